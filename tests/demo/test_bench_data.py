"""`kabar bench-data`: N articles × 3 languages shaped like ingested ones, searchable, refusing to mix."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from kabar.core.blocks import validate_blocks
from kabar.core.discover.search import SearchQuery
from kabar.news.models import Article, ArticleText, Media, Story
from kabar.search import services
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db(transaction=True)

N = 60


def bench_data(*args: str) -> str:
    out = StringIO()
    call_command("bench-data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_fills_n_articles_each_an_original_and_two_translations():
    said = bench_data("--articles", str(N), "--no-index")
    assert f"wrote {N} articles ({N * 3} texts in vi, en, id)" in said
    assert "run `kabar reindex`" in said
    assert Article.objects.count() == N
    statuses: Counter[str] = Counter()
    for article in Article.objects.prefetch_related("texts", "authors").select_related("outlet", "section"):
        texts = {t.language: t for t in article.texts.all()}
        assert set(texts) == {"vi", "en", "id"}
        original = texts[article.source_language]
        assert original.status == ArticleText.Status.ORIGINAL
        assert article.outlet.language == article.source_language  # an outlet writes in its language
        assert article.outlet.home_url.endswith(".example/")
        assert article.section is not None and set(article.section.names) == {"vi", "en", "id"}
        for text in texts.values():
            validate_blocks(text.blocks)
            assert text.title and text.lead and text.is_published
            statuses[text.status] += 1
            if text is not original:
                assert text.translated_from == article.source_language
            if text.is_machine_made:
                assert (
                    text.engine
                    and text.model_version
                    and text.route == f"{text.translated_from}→{text.language}"
                )
            elif text.status == ArticleText.Status.HUMAN:
                assert not text.engine
    assert statuses["original"] == N
    assert statuses["machine"] > statuses["human"] > 0  # mostly machine-made, as a newsroom's are
    assert Counter(Article.objects.values_list("source_language", flat=True)) == {
        "vi": 20,
        "en": 20,
        "id": 20,
    }


def test_varied_lengths_images_by_reference_stories_and_dates_over_years():
    bench_data("--articles", str(N), "--no-index")
    paragraphs = [
        sum(b["type"] == "paragraph" for b in blocks)
        for blocks in ArticleText.objects.filter(status="original").values_list("blocks", flat=True)
    ]
    assert min(paragraphs) <= 4 and max(paragraphs) >= 12  # briefs and features
    media = list(Media.objects.all())
    assert media and all(m.url.startswith("https://") and m.width and m.height and not m.image for m in media)
    placed = [
        b
        for blocks in ArticleText.objects.values_list("blocks", flat=True)
        for b in blocks
        if b["type"] == "image"
    ]
    assert placed and {b["media"] for b in placed} <= {m.pk for m in media}
    assert Article.objects.filter(authors__isnull=False).distinct().count() > N / 2
    members = Counter(StoryMembership.objects.values_list("story_id", flat=True))
    assert members and max(members.values()) >= 2
    for story in Story.objects.all():
        assert (
            story.first_seen is not None
            and story.last_seen is not None
            and story.first_seen <= story.last_seen
        )
    dates = list(Article.objects.order_by("pk").values_list("published_at", flat=True))
    assert dates == sorted(dates)  # in order of id, as ingestion stores them
    assert (dates[-1] - dates[0]).days > 3 * 365


def test_same_seed_same_articles_and_a_full_database_is_refused():
    bench_data("--articles", "12", "--seed", "4", "--no-index")
    first = list(ArticleText.objects.order_by("article_id", "language").values_list("title", flat=True))
    with pytest.raises(CommandError, match="already has 12 articles: .*--append") as caught:
        bench_data("--articles", "5", "--no-index")
    assert caught.value.returncode == 2
    assert Article.objects.count() == 12  # nothing was written
    bench_data("--articles", "5", "--append", "--no-index")
    assert Article.objects.count() == 17
    Article.objects.all().delete()
    bench_data("--articles", "12", "--seed", "4", "--no-index")
    again = list(ArticleText.objects.order_by("article_id", "language").values_list("title", flat=True))
    assert again == first


def test_the_search_index_is_rebuilt_and_pages_render():
    said = bench_data("--articles", "9")
    assert "indexed 27 published texts" in said
    text = ArticleText.objects.filter(language="en").order_by("pk").first()
    assert text is not None
    word = max(text.title.split(), key=len)
    assert services.search(SearchQuery(word, "en")).total >= 1
    client = Client(HTTP_HOST="127.0.0.1")
    with translation.override(text.language):
        assert client.get(text.get_absolute_url()).status_code == 200
    assert client.get("/vi/").status_code == 200


@pytest.mark.parametrize("count", ["0", "many"])
def test_a_wrong_count_is_a_usage_error(count):
    with pytest.raises(CommandError, match="articles"):
        bench_data("--articles", count)


def test_stored_pages_are_made_stale_by_a_fill():
    bench_data("--articles", "3", "--no-index")
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.get("/vi/").status_code == 200  # stored now, where the page cache is on
    bench_data("--articles", "3", "--append", "--no-index")
    newest = ArticleText.objects.filter(language="vi").order_by("-article__published_at").first()
    assert newest is not None and newest.article_id == Article.objects.order_by("pk").last().pk
    assert escape(newest.title) in client.get("/vi/").content.decode()

"""The demo goes through the real ingestion path: RSS over HTTP on loopback, fetch, extract, store."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from kabar.demo import DEMO_DIR, OUTLET_DIR, PARTNERS
from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer
from kabar.ingest.models import IngestFailure
from kabar.news.models import Article, ArticleRevision, ArticleText, Author, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}


@pytest.fixture
def outlet_server():
    with OutletServer() as server:
        yield server


def test_demo_ingests_every_article_with_its_anatomy(outlet_server, fast_fetch):
    result = load_demo(outlet_server)
    assert result.summary.failed == []
    languages = {"bao-song-hong": "vi", **{p.slug: p.language for p in PARTNERS}}
    dirs = {"bao-song-hong": OUTLET_DIR, **{p.slug: p.directory for p in PARTNERS}}
    articles = {
        slug: [
            p for p in d.glob("*/*.html") if 'property="og:type" content="article"' in p.read_text("utf-8")
        ]
        for slug, d in dirs.items()
    }
    assert len(articles["bao-song-hong"]) >= 12
    assert {slug: s.new for slug, s in result.by_outlet.items()} == {s: len(a) for s, a in articles.items()}
    assert result.summary.new == Article.objects.count() == sum(len(a) for a in articles.values())
    assert [o.slug for o in result.partners] == [p.slug for p in PARTNERS]
    assert Section.objects.filter(articles__isnull=False).distinct().count() >= 4
    assert Author.objects.filter(articles__isnull=False).distinct().count() >= 3
    for article in Article.objects.prefetch_related("texts", "media", "authors"):
        original = article.original
        language = languages[article.outlet.slug]
        assert article.source_language == language and original.language == language
        assert article.source_url.startswith(outlet_server.url)
        assert article.section is not None and article.authors.exists()
        assert 1 <= article.media.count() <= 2
        assert all(m.image and m.credit for m in article.media.all()), "images stored locally, with credits"
        texts = [b["text"] for b in original.blocks if b["type"] == "paragraph"]
        assert len(texts) == len(set(texts)), "no paragraph twice"
        body = " ".join(texts)
        traps = ("Bình luận", "No data", "Tin liên quan", "Cùng chuyên mục", "Xem thêm:", ".jpg")
        traps += ("Comments (0)", "Read more:", "Related stories", "Most read", "Morning Briefing")
        traps += ("Komentar (0)", "Baca juga:", "Berita Terkait", "Terpopuler", "Berlangganan")
        for trap in traps:
            assert trap not in body
        # authors' names as people write them, not as an all-caps signature
        assert all(a.name != a.name.upper() for a in article.authors.all())
    assert result.translations == len(list((OUTLET_DIR / "translations").glob("*.json")))
    assert result.stories == 0, "KABAR_STORIES_ONLINE is off in tests: stories are left to a rebuild"
    assert ArticleText.objects.filter(status="human", language="en").count() >= 5
    assert ArticleText.objects.filter(status="human", language="id").count() >= 4


def test_ingesting_the_same_feed_twice_creates_nothing(outlet_server, fast_fetch):
    first = load_demo(outlet_server)
    before = (Article.objects.count(), ArticleText.objects.count(), ArticleRevision.objects.count())
    again = load_demo(outlet_server)
    assert again.summary.new == 0 and again.summary.updated == 0
    assert again.summary.unchanged == first.summary.new
    assert (Article.objects.count(), ArticleText.objects.count(), ArticleRevision.objects.count()) == before


def test_a_changed_paragraph_at_the_outlet_makes_a_revision_and_stale_translations(tmp_path, fast_fetch):
    import shutil

    root = tmp_path / "outlet"
    shutil.copytree(OUTLET_DIR, root)
    slug = sorted(p.stem.rsplit(".", 1)[0] for p in (root / "translations").glob("*.en.json"))[0]
    page = next(root.glob(f"*/{slug}.html"))
    with OutletServer(root=root) as server:
        load_demo(server, root=root)
        article = Article.objects.get(source_url__contains=f"/{slug}")
        assert article.texts.get(language="en").stale is False
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "lxml")
        first_paragraph = soup.select_one("div.detail-content p").get_text()
        changed = first_paragraph.rstrip(".") + ", theo ban tổ chức."
        page.write_text(html.replace(first_paragraph, changed), encoding="utf-8")
        result = load_demo(server, root=root)
    assert result.summary.updated == 1 and result.summary.new == 0
    article.refresh_from_db()
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert any(b.get("text") == changed for b in article.original.blocks)
    assert article.texts.get(language="en").stale is True, "the human translation awaits an editor"
    assert result.translations == 0, "translations already loaded are left alone"
    assert IngestFailure.objects.count() == 0


def test_kabar_demo_command_loads_and_prints_admin_credentials(capsys, fast_fetch):
    call_command("demo", no_serve=True, outlet_port=0)
    out = capsys.readouterr().out
    assert re.search(r"user: admin\s+password: \S{8,}", out)
    assert "0 failed" in out


def test_demo_puts_every_article_in_a_story_when_stories_are_on(outlet_server, fast_fetch, settings):
    """The online step only queues a task and the demo runs no worker: the loader assigns them itself."""
    import json

    from kabar.stories.models import StoryMembership

    settings.STORIES_ONLINE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    result = load_demo(outlet_server)
    assert result.stories == Article.objects.count() > 0
    assert StoryMembership.objects.filter(story__isnull=False).count() == Article.objects.count()
    again = load_demo(outlet_server)
    assert again.stories == 0, "a second load finds every article placed"
    # the stories the outlets share across languages (stories.json) have their articles ingested
    shared = json.loads((DEMO_DIR / "stories.json").read_text(encoding="utf-8"))["stories"]
    for story in shared:
        found = [
            Article.objects.get(outlet__slug=slug, source_url__endswith=f"/{page}")
            for slug, page in story["articles"]
        ]
        assert len({a.source_language for a in found}) >= 2, story["label"]

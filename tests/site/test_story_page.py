"""Stories on the reader site: the article page's story block and related lists, and the story page."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation
from factories import make_article, make_outlet, make_section, make_text

from kabar.news.models import ArticleText, Story
from kabar.stories import services
from kabar.stories.models import ArticleSignals

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 9, 6, 8, 0, tzinfo=dt.UTC)


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def words(element) -> str:
    return " ".join(element.get_text().split())


def url_of(text: ArticleText) -> str:
    with translation.override(text.language):
        return text.get_absolute_url()


def story_url(story: Story, language: str) -> str:
    with translation.override(language):
        return reverse("site:story", kwargs={"pk": story.pk})


def signals(article, vector) -> None:
    unit = np.asarray(vector, dtype=np.float32)
    unit /= np.linalg.norm(unit)
    ArticleSignals.objects.create(article=article, embedder="test", text_hash="x", vector=unit.tobytes())


@pytest.fixture
def storm():
    """One typhoon told by three outlets in three languages, gathered by an editor into one story."""
    vi_outlet = make_outlet(name="Báo Nhân Dân", language="vi")
    en_outlet = make_outlet(name="Viet Times", language="en")
    id_outlet = make_outlet(name="Kabar Jakarta", language="id")
    news = make_section("thoi-su", {"vi": "Thời sự", "en": "News", "id": "Berita"})
    vi = make_article(outlet=vi_outlet, section=news, published_at=T0)
    vi_text = make_text(vi, "vi", title="Bão Yagi đổ bộ Quảng Ninh", slug="bao-yagi-do-bo")
    en = make_article(outlet=en_outlet, source_language="en", published_at=T0 + dt.timedelta(hours=3))
    en_text = make_text(en, "en", title="Typhoon Yagi makes landfall", slug="typhoon-yagi-landfall")
    # 17:30 UTC is 00:30 the next day in Hanoi: the timeline's second day.
    id_ = make_article(
        outlet=id_outlet, source_language="id", published_at=T0 + dt.timedelta(hours=9, minutes=30)
    )
    id_text = make_text(id_, "id", title="Topan Yagi menerjang Vietnam utara", slug="topan-yagi-menerjang")
    id_in_vi = make_text(id_, "vi", title="Bão Yagi càn quét miền Bắc Việt Nam", slug="bao-yagi-can-quet")
    hidden = make_article(outlet=en_outlet, source_language="en", published_at=T0 + dt.timedelta(hours=1))
    make_text(hidden, "en", title="Draft: Yagi", slug="draft-yagi", is_published=False)
    story = services.split_story([vi, en, id_, hidden])
    return {
        "story": story,
        "section": news,
        "vi": vi_text,
        "en": en_text,
        "id": id_text,
        "id_in_vi": id_in_vi,
        "articles": (vi, en, id_, hidden),
    }


def test_the_article_page_shows_the_other_coverage_in_the_readers_language_or_labelled(client, storm):
    soup = soup_of(client.get(url_of(storm["vi"])))
    block = soup.find("section", class_="related-story")

    assert words(block.find("h2")) == "Cùng sự kiện"
    items = block.find("ul").find_all("li", recursive=False)
    assert [words(li.find("a")) for li in items] == [
        "Typhoon Yagi makes landfall",
        "Bão Yagi càn quét miền Bắc Việt Nam",
    ]
    english, indonesian = items
    # Not in the reader's language: linked to the original, marked as such.
    assert english.find("a")["href"] == url_of(storm["en"]) and english.find("a")["lang"] == "en"
    assert "(bằng tiếng Anh)" in words(english)
    assert english.find("abbr", class_="language-tag")["title"] == "Bản gốc tiếng Anh"
    # A Vietnamese version exists: linked there, with the language of its original and the MT badge.
    assert indonesian.find("a")["href"] == url_of(storm["id_in_vi"]) and not indonesian.find("a").has_attr(
        "lang"
    )
    assert indonesian.find("abbr", class_="language-tag")["title"] == "Bản gốc tiếng Indonesia"
    assert words(indonesian.find(class_="language-tag")) == "ID"
    assert "Dịch máy" in words(indonesian)
    assert "Draft: Yagi" not in words(soup)  # unpublished everywhere: not shown
    assert block.find("p", class_="story-link").find("a")["href"] == story_url(storm["story"], "vi")


def test_an_article_alone_in_its_story_shows_no_story_block(client):
    alone = make_article(published_at=T0)
    text = make_text(alone, "vi", slug="mot-minh")
    services.split_story([alone])
    soup = soup_of(client.get(url_of(text)))
    assert soup.find(class_="related-story") is None and soup.find(class_="related-nearest") is None
    assert "Cùng sự kiện" not in words(soup) and "Bài liên quan" not in words(soup)


def test_related_lists_are_ordered_story_then_neighbours_then_section_each_article_once(client, storm):
    vi, en, id_, _hidden = storm["articles"]
    near = make_article(section=storm["section"], published_at=T0 - dt.timedelta(days=1))
    near_text = make_text(near, "vi", title="Miền Bắc chuẩn bị đón bão", slug="mien-bac-chuan-bi")
    far = make_article(section=storm["section"], published_at=T0 - dt.timedelta(days=2))
    far_text = make_text(far, "vi", title="Giá vàng tăng", slug="gia-vang-tang")
    # The Indonesian story member is also in the section, and the closest neighbour: shown once, in the story.
    id_.section = storm["section"]
    id_.save()
    base = np.ones(8)
    signals(vi, base)
    signals(id_, base)
    signals(near, base + np.eye(8)[0] * 0.5)  # cosine ≈ 0.98
    signals(far, np.eye(8)[1] - np.eye(8)[2])  # cosine 0: not a neighbour

    soup = soup_of(client.get(url_of(storm["vi"])))

    sections = [s["class"][1] for s in soup.find_all("section", class_="related")]
    assert sections == ["related-story", "related-nearest", "related-section"]
    nearest = soup.find("section", class_="related-nearest")
    assert words(nearest.find("h2")) == "Bài liên quan"
    assert [a["href"] for a in nearest.find("ul").find_all("a")] == [url_of(near_text)]
    in_section = [a["href"] for a in soup.find("section", class_="related-section").find_all("a")]
    assert url_of(far_text) in in_section
    assert url_of(near_text) not in in_section and url_of(storm["id_in_vi"]) not in in_section


def test_the_story_page_is_a_timeline_grouped_by_local_day(client, storm):
    soup = soup_of(client.get(story_url(storm["story"], "en")))

    assert words(soup.find("h1")) == "Typhoon Yagi makes landfall"  # no label yet: the first title in English
    assert words(soup.find(class_="story-summary")).startswith("3 articles · 3 outlets")
    days = soup.find("ol", class_="timeline-days").find_all("li", class_="timeline-day", recursive=False)
    assert [d.find("h3").find("time")["datetime"] for d in days] == ["2025-09-06", "2025-09-07"]
    first_day = [words(li.find("a")) for li in days[0].find_all("li", class_="timeline-entry")]
    assert first_day == ["Bão Yagi đổ bộ Quảng Ninh", "Typhoon Yagi makes landfall"]  # oldest first
    [late] = days[1].find_all("li", class_="timeline-entry")
    assert words(late.find("time")) == "00:30"  # local time
    assert late.find("a")["href"] == url_of(storm["id"]) and "(in Indonesian)" in words(late)
    assert words(days[0].find_all("li", class_="timeline-entry")[0]).count("(in Vietnamese)") == 1


def test_the_story_page_uses_the_editors_label_in_the_readers_language(client, storm):
    story = storm["story"]
    story.labels = {"vi": "Bão Yagi", "id": "Topan Yagi"}
    story.save()
    assert words(soup_of(client.get(story_url(story, "id"))).find("h1")) == "Topan Yagi"
    vi = soup_of(client.get(story_url(story, "vi")))
    assert words(vi.find("h1")) == "Bão Yagi" and words(vi.find(class_="kicker")) == "Sự kiện"
    assert words(vi.find("h2")) == "Diễn biến"


def test_a_story_nobody_can_read_is_not_found(client, storm):
    assert (
        client.get(story_url(storm["story"], "vi").replace(f"/{storm['story'].pk}/", "/999999/")).status_code
        == 404
    )
    empty = services.split_story([storm["articles"][3]])  # only the unpublished draft
    assert client.get(story_url(empty, "vi")).status_code == 404


def test_the_article_page_costs_the_same_queries_for_a_big_story(
    client, storm, django_assert_max_num_queries
):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url_of(storm["vi"])).status_code == 200
        return len(queries)

    small = count()
    extra = []
    for n in range(8):
        other = make_article(outlet=make_outlet(language="vi"), published_at=T0 + dt.timedelta(minutes=n))
        make_text(other, "vi", slug=f"them-{n}")
        extra.append(other)
    services.move_to_story(extra, storm["story"])
    assert count() == small


def test_story_markup_needs_no_inline_script_or_style(client, storm):
    # The Content-Security-Policy allows styles and scripts from files only.
    for url in (url_of(storm["vi"]), story_url(storm["story"], "id")):
        soup = soup_of(client.get(url))
        # JSON-LD (application/ld+json) is data, never run, so script-src does not apply to it.
        inline = [
            s for s in soup.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"
        ]
        assert not soup.select("[style]") and not inline

"""The human-translation editor: block by block beside the original, never JSON; the newsroom's rules on save."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from kabar.news.models import Article, ArticleText, Media, Outlet
from kabar.newsroom.models import TranslatorProfile
from kabar.newsroom.roles import TRANSLATOR, sync_roles

pytestmark = pytest.mark.django_db

ADD = "/admin/news/articletext/add/"
PHOTO = "https://bao.example/anh/bao.jpg"
SIDE = "https://bao.example/anh/ban-do.jpg"


@pytest.fixture(autouse=True)
def english_admin(admin_client: Client) -> None:
    # The admin speaks the editor's language (cookie, else the site's first: vi); these tests read English.
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def article() -> Article:
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://bao.example", language="vi"
    )
    article = Article.objects.create(
        outlet=outlet,
        source_url="https://bao.example/bao-so-3.html",
        source_language="vi",
        published_at=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )
    photo = Media.objects.create(
        article=article, url=PHOTO, captions={"vi": "Mưa lớn ở Hà Nội"}, credit="Ảnh: TTXVN"
    )
    Media.objects.create(article=article, url=SIDE, captions={"vi": "Bản đồ đường đi của bão"})
    ArticleText.objects.create(
        article=article,
        language="vi",
        title="Bão số 3 đổ bộ",
        slug="bao-so-3-do-bo",
        lead="Bão mạnh nhất năm.",
        status="original",
        blocks=[
            {"type": "paragraph", "text": "Gió <em>rất</em> mạnh."},
            {"type": "heading", "level": 2, "text": "Thiệt hại"},
            {
                "type": "image",
                "src": PHOTO,
                "caption": "Mưa lớn ở Hà Nội",
                "credit": "Ảnh: TTXVN",
                "media": photo.pk,
            },
            {"type": "list", "items": ["Cây đổ", "Mất điện"]},
            {"type": "quote", "text": "Chúng tôi đã sẵn sàng.", "cite": "Ông Nam"},
        ],
    )
    return article


ENGLISH = {
    "title": "Typhoon No. 3 makes landfall",
    "lead": "The strongest storm of the year.",
    "b0": "Very <em>strong</em> winds.<script>alert(1)</script>",
    "b1": "Damage",
    "b2_caption": "Heavy rain in Hanoi",
    "b3_0": "Trees down",
    "b3_1": "Power cuts",
    "b4": "We were ready.",
}


def side_field(article: Article) -> str:
    return f"m{Media.objects.get(url=SIDE).pk}_caption"


def options(page) -> list[str]:
    select = BeautifulSoup(page.content, "html.parser").select_one("select[name=language]")
    return [o["value"] for o in select.select("option") if o["value"]] if select else []


def test_round_trip_writes_the_original_structure_with_english_words(admin_client, admin_user, article):
    page = admin_client.get(f"{ADD}?article={article.pk}&language=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert options(page) == ["en", "id"] and 'value="en" selected' in html
    assert "Gió <em>rất</em> mạnh." in html and PHOTO in html and SIDE in html  # the source beside each field
    assert 'name="blocks"' not in html and "&quot;type&quot;" not in html  # never JSON

    saved = admin_client.post(
        f"{ADD}?article={article.pk}", {**ENGLISH, "language": "en", side_field(article): "Route map"}
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    text = article.texts.get(language="en")
    assert text.status == "human" and text.translated_from == "vi"
    assert text.title == ENGLISH["title"] and text.lead == ENGLISH["lead"]
    assert text.slug == "typhoon-no-3-makes-landfall"  # never published: from the edited title
    assert text.editor == admin_user and text.edited_at is not None
    assert text.is_published is False and text.published_at is None  # publishing is a separate tick
    photo = Media.objects.get(url=PHOTO)
    assert text.blocks == [
        {"type": "paragraph", "text": "Very <em>strong</em> winds."},  # sanitised at save
        {"type": "heading", "level": 2, "text": "Damage"},
        {
            "type": "image",
            "src": PHOTO,
            "caption": "Heavy rain in Hanoi",
            "credit": "Ảnh: TTXVN",
            "media": photo.pk,
        },
        {"type": "list", "items": ["Trees down", "Power cuts"]},
        {"type": "quote", "text": "We were ready.", "cite": "Ông Nam"},
    ]
    assert photo.captions == {"vi": "Mưa lớn ở Hà Nội", "en": "Heavy rain in Hanoi"}
    assert Media.objects.get(url=SIDE).captions == {"vi": "Bản đồ đường đi của bão", "en": "Route map"}
    assert text.rendered_body and "script" not in str(text.rendered_body)

    # Edited again (now published): its words change, its state and address stay.
    ArticleText.objects.filter(pk=text.pk).update(
        is_published=True, published_at=dt.datetime(2025, 10, 13, tzinfo=dt.UTC)
    )
    url = f"/admin/news/articletext/{text.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "Very &lt;em&gt;strong&lt;/em&gt; winds." in page.content.decode()
    form = {
        **ENGLISH,
        "title": "Typhoon Yagi makes landfall",
        "is_published": "on",
        side_field(article): "Route map",
    }
    assert admin_client.post(url, form).status_code == 302
    text.refresh_from_db()
    assert text.title == "Typhoon Yagi makes landfall" and text.is_published
    assert text.slug == "typhoon-no-3-makes-landfall"  # readers have this address: kept


def test_a_language_that_has_a_text_is_not_offered(admin_client, article):
    ArticleText.objects.create(article=article, language="en", title="Storm", slug="storm", status="machine")
    page = admin_client.get(f"{ADD}?article={article.pk}")
    assert options(page) == ["id"]  # not the original's vi, not en
    refused = admin_client.post(f"{ADD}?article={article.pk}", {**ENGLISH, "language": "en"})
    assert refused.status_code == 200 and "already has a text in English" in refused.content.decode()
    assert article.texts.get(language="en").status == "machine"


@pytest.fixture
def indonesian_translator(django_user_model) -> Client:
    sync_roles(apps)
    user = django_user_model.objects.create_user("sari", password="unused", is_staff=True)
    user.groups.add(Group.objects.get(name=TRANSLATOR))
    TranslatorProfile.objects.create(user=user, languages=["id"])
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_translator_limited_to_indonesian_cannot_open_or_save_english(indonesian_translator, article):
    client = indonesian_translator
    page = client.get(f"{ADD}?article={article.pk}&language=en")
    assert (
        options(page) == ["id"] and "You translate into id only; this text is in en" in page.content.decode()
    )
    refused = client.post(f"{ADD}?article={article.pk}", {**ENGLISH, "language": "en"})
    assert refused.status_code == 200 and "You translate into id only" in refused.content.decode()
    assert not article.texts.filter(language="en").exists()

    english = ArticleText.objects.create(
        article=article, language="en", title="Storm", slug="storm", status="human", blocks=[]
    )
    url = f"/admin/news/articletext/{english.pk}/change/"
    shown = client.get(url)
    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    assert client.post(url, {"title": "Hijacked"}).status_code == 403

    # Their own language saves, unpublished: a translator writes, an editor publishes.
    made = client.post(f"{ADD}?article={article.pk}", {**ENGLISH, "language": "id", "is_published": "on"})
    assert made.status_code == 302
    assert article.texts.get(language="id").is_published is False


def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(admin_client, article):
    bad = {**ENGLISH, "language": "en", "title": "", "b3_1": "  ", "b1": "<script>x</script>"}
    page = admin_client.post(f"{ADD}?article={article.pk}", bad)
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Nothing was saved" in soup.select_one(".errornote").text
    errors = {e.find_next(["input", "textarea"])["name"]: e.text for e in soup.select("ul.errorlist")}
    assert set(errors) == {"title", "b3_1", "b1"}, errors
    assert "only markup" in errors["b1"].lower()
    assert not article.texts.filter(language="en").exists()
    assert Media.objects.get(url=PHOTO).captions == {"vi": "Mưa lớn ở Hà Nội"}


def test_entry_points_on_the_article_page_and_the_matrix(admin_client, article):
    ArticleText.objects.create(article=article, language="id", title="Badai", slug="badai", status="human")
    page = BeautifulSoup(admin_client.get(f"/admin/news/article/{article.pk}/change/").content, "html.parser")
    links = {li["data-lang"]: li.select_one("a") for li in page.select(".kabar-translations li")}
    assert links["vi"] is None and links["en"]["href"] == f"{ADD}?article={article.pk}&language=en"
    assert links["id"].text == "Edit translation"
    assert not page.select("textarea[name$=blocks]")
    new_article = admin_client.get("/admin/news/article/add/").content.decode()
    assert 'name="texts-__prefix__-language"' in new_article  # a new article's original is still given here

    matrix = BeautifulSoup(admin_client.get("/admin/translation/matrix/").content, "html.parser")
    cell = matrix.select_one(f"tr[data-article='{article.pk}'] td[data-lang=en] a.add-translation")
    assert cell["href"] == f"{ADD}?article={article.pk}&language=en"
    assert matrix.select_one("select[name=target] option[selected]")["value"] == "en"  # not the source's vi


def test_an_edit_keeps_the_texts_own_structure_and_can_clear_stale(admin_client, article):
    # Written before the original gained its heading, image, list and quote: one paragraph only.
    text = ArticleText.objects.create(
        article=article,
        language="en",
        title="Storm",
        slug="storm",
        status="human",
        stale=True,
        blocks=[{"type": "paragraph", "text": "Winds."}, {"type": "paragraph", "text": "Rain."}],
    )
    url = f"/admin/news/articletext/{text.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "no longer line up with the original" in page and 'name="up_to_date"' in page
    form = {"title": "Storm", "lead": "Strong.", "b0": "Strong winds.", "b1": "Rain.", "up_to_date": "on"}
    assert admin_client.post(url, form).status_code == 302
    text.refresh_from_db()
    assert text.blocks == [
        {"type": "paragraph", "text": "Strong winds."},
        {"type": "paragraph", "text": "Rain."},
    ]
    assert text.stale is False


def test_the_media_row_form_has_a_caption_box_per_site_language_and_keeps_others():
    from kabar.news.media_form import MediaForm

    media = Media(url=PHOTO, captions={"vi": "Mưa", "fr": "Pluie"})
    form = MediaForm(
        {
            "url": PHOTO,
            "captions_0": "Mưa lớn",
            "captions_1": "Heavy rain",
            "captions_2": "",
            "credit": "TTXVN",
        },
        instance=media,
    )
    assert form.is_valid(), form.errors
    assert form.save(commit=False).captions == {"fr": "Pluie", "vi": "Mưa lớn", "en": "Heavy rain"}
    assert 'lang="en"' in str(form["captions"]) and "JSON" not in str(form["captions"])

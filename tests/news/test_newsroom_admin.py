"""The newsroom admin: lists and forms render, and an editor can add a human translation inline."""

import datetime as dt

import pytest

from kabar.news.models import Article, ArticleText, Outlet, Section, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )
    Source.objects.create(outlet=outlet, kind="feed", url="https://thu.example/rss.xml")
    section = Section.objects.create(slug="thoi-su", names={"vi": "Thời sự", "en": "News"})
    art = Article.objects.create(
        outlet=outlet,
        section=section,
        source_url="https://thu.example/a.html",
        source_language="vi",
        published_at=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )
    ArticleText.objects.create(
        article=art,
        language="vi",
        title="Tiêu đề",
        slug="tieu-de",
        status="original",
        blocks=[{"type": "paragraph", "text": "Đoạn một."}],
    )
    return art


@pytest.mark.parametrize(
    "url",
    [
        "/admin/news/outlet/",
        "/admin/news/source/",
        "/admin/news/section/",
        "/admin/news/author/",
        "/admin/news/article/",
        "/admin/news/articletext/",
        "/admin/ingest/ingestfailure/",
    ],
)
def test_admin_lists_render(admin_client, article, url):
    assert admin_client.get(url).status_code == 200


def inline_form_data(article, response):
    """The change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["published_at_0"], data["published_at_1"] = "2025-10-12", "08:00:00"
    data["authors"] = []
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update(
            {
                f"{fs.prefix}-TOTAL_FORMS": str(len(fs.forms)),
                f"{fs.prefix}-INITIAL_FORMS": str(len(fs.forms)),
                f"{fs.prefix}-MIN_NUM_FORMS": "0",
                f"{fs.prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, f in enumerate(fs.forms):
            for name in f.fields:
                value = f[name].value()
                if value is None or value is False:
                    continue
                data[f"{fs.prefix}-{i}-{name}"] = "on" if value is True else value
    return {k: v for k, v in data.items() if v is not None}


def test_an_editor_adds_a_human_translation_inline(admin_client, admin_user, article):
    url = f"/admin/news/article/{article.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    data = inline_form_data(article, response)
    data["texts-TOTAL_FORMS"] = "2"
    data.update(
        {
            "texts-1-language": "en",
            "texts-1-status": "human",
            "texts-1-is_published": "on",
            "texts-1-title": "Headline",
            "texts-1-slug": "headline",
            "texts-1-lead": "",
            "texts-1-blocks": '[{"type": "paragraph", "text": "Paragraph one."}]',
            "texts-1-article": str(article.pk),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    text = article.texts.get(language="en")
    assert text.status == "human" and text.editor == admin_user and text.translated_from == "vi"


def test_bad_blocks_are_refused_in_the_admin_with_the_schema_message(admin_client, article):
    url = f"/admin/news/article/{article.pk}/change/"
    data = inline_form_data(article, admin_client.get(url))
    data["texts-0-blocks"] = '[{"type": "image"}]'
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "block 0 (image): &#x27;src&#x27; is a required property" in response.content.decode()

"""Inline HTML is sanitised when a text or image is written, whichever way it is written, and an
article page then calls no sanitiser at all (``nh3.clean`` raises in these page requests)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.utils import translation

from kabar.core.translate.mt.tiny import build_tiny_model
from kabar.core.types import Extracted
from kabar.ingest.store import store_article
from kabar.news import rendered
from kabar.news.models import Article, ArticleText, Media, Outlet, Section
from kabar.translation import engines
from kabar.translation.services import translate_article

pytestmark = pytest.mark.django_db

PUBLISHED = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
HOSTILE_LEAD = 'Mở đầu <img src=x onerror="alert(1)"><em>nhấn mạnh</em> bài.'
HOSTILE_BLOCKS: list[dict[str, Any]] = [
    {"type": "paragraph", "text": 'Đoạn một <script>alert(1)</script><b onclick="steal()">đậm</b> hết.'},
    {"type": "heading", "text": 'Tiêu đề phụ <iframe src="https://evil.example/"></iframe>nhỏ', "level": 2},
    {
        "type": "quote",
        "text": '<a href="javascript:alert(1)">Trích dẫn</a> nguyên văn',
        "cite": "<b>Ông A</b>",
    },
    {"type": "list", "items": ['Mục <svg onload="alert(1)"></svg>một', "Mục <i>hai</i>"]},
    {
        "type": "image",
        "src": "https://thu.example/anh.jpg",
        "caption": 'Chú thích <img src=x onerror="alert(2)"> của ảnh',
        "credit": "<script>x()</script>Ảnh: Lê Minh",
    },
    {
        "type": "paragraph",
        "text": 'Đoạn cuối với <a href="https://thu.example/" onmouseover="x()">liên kết</a>.',
    },
]
HOSTILE_CAPTION = 'Ảnh chính <script>alert(3)</script><em onfocus="x()">đẹp</em>'
# What must never reach a page: anything that runs script or loads content.
FORBIDDEN = [
    "<script",
    "onerror",
    "onclick",
    "onload",
    "onmouseover",
    "onfocus",
    "javascript:",
    "<iframe",
    "<svg",
    "<img src=x",
]


@pytest.fixture
def outlet() -> Outlet:
    return Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )


@pytest.fixture
def section() -> Section:
    return Section.objects.create(slug="thoi-su", names={"vi": "Thời sự", "en": "News"})


def new_article(outlet: Outlet, section: Section | None = None, **fields: Any) -> Article:
    return Article.objects.create(
        outlet=outlet,
        section=section,
        source_url=fields.pop("source_url", "https://thu.example/a.html"),
        source_language="vi",
        published_at=PUBLISHED,
        **fields,
    )


def assert_rendered_clean(text: ArticleText) -> None:
    """The stored rendering is current, made from the stored lead and blocks, and harmless."""
    text.refresh_from_db()
    assert rendered.is_current(text.rendered_body)
    assert text.rendered_body == rendered.render_body(text.lead, text.blocks)
    assert text.rendered_summary == rendered.summary(text.lead, text.blocks)
    stored = json.dumps(text.rendered_body, ensure_ascii=False)
    for bad in FORBIDDEN:
        assert bad not in stored, bad


def page_without_sanitiser(client: Any, text: ArticleText) -> str:
    """The text's page, rendered with every nh3.clean call failing the test."""
    with translation.override(text.language):
        path = text.get_absolute_url()
    with mock.patch("nh3.clean", side_effect=AssertionError("the page called nh3.clean")):
        response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    # The page's own <script> elements (JSON-LD, the site's scripts) are in the head and at the end.
    main = html[html.index("<main") : html.index("</main>")]
    for bad in FORBIDDEN:
        assert bad not in main, bad
    assert "alert(" not in html and "steal(" not in html
    return main


@pytest.fixture(autouse=True)
def no_page_cache(settings: Any) -> None:
    # Each page must be rendered by this test, not answered from a cache.
    if hasattr(settings, "PAGE_CACHE"):
        settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}


def hostile_doc(url: str = "https://thu.example/a.html", last: str = "Đoạn kết.") -> Extracted:
    return Extracted(
        url=url,
        source_url=url,
        title="Bài có mã độc",
        lead=HOSTILE_LEAD,
        blocks=[*HOSTILE_BLOCKS, {"type": "paragraph", "text": last}],
        authors=["Lê Minh"],
        section="Thời sự",
        language="vi",
        published=PUBLISHED,
    )


def test_ingestion_stores_new_and_changed_texts_sanitised(client, outlet):
    first = store_article(hostile_doc(), outlet=outlet)
    original = first.article.original
    assert original is not None
    assert_rendered_clean(original)
    html = page_without_sanitiser(client, original)
    assert "<b>đậm</b>" in html and "<em>nhấn mạnh</em>" in html

    # The outlet changes the article: store() saves with update_fields, the rendering follows.
    again = store_article(hostile_doc(last="Đoạn kết đã sửa <script>y()</script>."), outlet=outlet)
    assert again.status != "unchanged"
    original.refresh_from_db()
    assert_rendered_clean(original)
    assert "Đoạn kết đã sửa" in page_without_sanitiser(client, original)


@pytest.mark.parametrize(
    "how", ["create", "save", "save-update-fields", "bulk_create", "bulk_update", "update"]
)
def test_every_orm_write_keeps_the_rendering_in_step(client, outlet, section, how):
    article = new_article(outlet, section)
    harmless = {"lead": "Mở đầu.", "blocks": [{"type": "paragraph", "text": "Đoạn vô hại."}]}
    fields = {
        "article": article,
        "language": "vi",
        "title": "Tiêu đề",
        "slug": "tieu-de",
        "status": "original",
    }
    if how == "create":
        text = ArticleText.objects.create(**fields, lead=HOSTILE_LEAD, blocks=HOSTILE_BLOCKS)
    elif how == "bulk_create":
        [text] = ArticleText.objects.bulk_create(
            [ArticleText(**fields, lead=HOSTILE_LEAD, blocks=HOSTILE_BLOCKS)]
        )
        text = ArticleText.objects.get(slug="tieu-de")
    else:
        text = ArticleText.objects.create(**fields, **harmless)
        text.lead, text.blocks = HOSTILE_LEAD, HOSTILE_BLOCKS
        if how == "save":
            text.save()
        elif how == "save-update-fields":
            text.save(update_fields=["lead", "blocks"])
        elif how == "bulk_update":
            ArticleText.objects.bulk_update([text], ["lead", "blocks"])
        else:
            ArticleText.objects.filter(pk=text.pk).update(lead=HOSTILE_LEAD, blocks=HOSTILE_BLOCKS)
    assert_rendered_clean(text)
    html = page_without_sanitiser(client, text)
    assert "Đoạn vô hại" not in html and "Đoạn cuối với" in html


def test_a_write_that_leaves_lead_and_blocks_alone_keeps_the_rendering(outlet):
    text = ArticleText.objects.create(
        article=new_article(outlet),
        language="vi",
        title="T",
        slug="t",
        status="original",
        blocks=HOSTILE_BLOCKS,
    )
    text.title = "Tiêu đề mới"
    with mock.patch("nh3.clean", side_effect=AssertionError("nothing to render")):
        text.save(update_fields=["title"])
        ArticleText.objects.filter(pk=text.pk).update(stale=True)
    assert_rendered_clean(text)


def test_an_editor_s_admin_save_is_sanitised(client, admin_client, outlet):
    text = ArticleText.objects.create(
        article=new_article(outlet), language="vi", title="Tiêu đề", slug="tieu-de", status="original"
    )
    url = f"/admin/news/articletext/{text.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}
    data = {k: "true" if v is True else v for k, v in data.items()}
    data["lead"] = HOSTILE_LEAD
    data["blocks"] = json.dumps(HOSTILE_BLOCKS, ensure_ascii=False)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert_rendered_clean(text)
    client.logout()
    page_without_sanitiser(client, text)


@pytest.fixture
def identity_mt(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ctranslate2 with a tiny vi→en model whose translate() gives its input back, markup and all."""
    settings.MT_ENGINES = {
        "ctranslate2": {"models": [{"path": str(build_tiny_model(tmp_path / "m", source="vi", target="en"))}]}
    }
    settings.MT_ROUTES = {}
    settings.MT_PIVOT = "en"
    settings.MT_PUBLISH = {}
    settings.DETECT_LANGUAGES = ["vi", "en", "id"]
    engines.reset_router()
    engine = engines.get_router().engines["ctranslate2"]
    monkeypatch.setattr(engine, "translate", lambda segments, source, target, glossary=None: list(segments))
    yield
    engines.reset_router()


def test_a_machine_translation_is_stored_sanitised(client, outlet, identity_mt):
    article = store_article(hostile_doc(), outlet=outlet).article
    text = translate_article(article, "en")
    assert text.language == "en"
    assert_rendered_clean(text)
    text.is_published = True
    text.save(update_fields=["is_published"])
    page_without_sanitiser(client, text)


def test_image_captions_are_sanitised_when_media_is_saved(client, outlet):
    article = new_article(outlet)
    text = ArticleText.objects.create(
        article=article,
        language="vi",
        title="Ảnh",
        slug="anh",
        status="original",
        blocks=[{"type": "paragraph", "text": "Đoạn."}],
    )
    media = Media.objects.create(
        article=article, url="https://thu.example/chinh.jpg", captions={"vi": HOSTILE_CAPTION}
    )
    media.refresh_from_db()
    assert media.rendered_captions["vi"]["raw"] == HOSTILE_CAPTION
    assert "<script" not in media.rendered_captions["vi"]["html"]
    html = page_without_sanitiser(client, text)
    assert "<em>đẹp</em>" in html

    # Changed behind save()'s back: the page notices the caption is not the one rendered, and
    # sanitises it itself rather than print a stale caption.
    Media.objects.filter(pk=media.pk).update(captions={"vi": "Chú thích mới <script>z()</script>"})
    response = client.get("/vi/2025/10/anh/")
    assert "Chú thích mới" in response.content.decode() and "<script>z()" not in response.content.decode()

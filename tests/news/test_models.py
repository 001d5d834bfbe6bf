import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from kabar.news.models import Article, ArticleText, Outlet, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )
    art = Article.objects.create(
        outlet=outlet,
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


def test_a_second_original_is_refused(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleText.objects.create(article=article, language="en", title="T", slug="t", status="original")


def test_many_translations_are_fine(article):
    ArticleText.objects.create(article=article, language="en", title="Title", slug="title", status="machine")
    ArticleText.objects.create(article=article, language="id", title="Judul", slug="judul", status="human")
    assert article.texts.count() == 3
    assert article.original.language == "vi"


def test_slug_is_unique_per_language(article):
    other = Article.objects.create(
        outlet=article.outlet,
        source_url="https://thu.example/b.html",
        source_language="vi",
        published_at=article.published_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleText.objects.create(article=other, language="vi", title="X", slug="tieu-de", status="original")
    # the same slug in another language is allowed
    ArticleText.objects.create(article=other, language="en", title="X", slug="tieu-de", status="human")


def test_one_text_per_language(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleText.objects.create(article=article, language="vi", title="X", slug="x", status="human")


def test_bad_blocks_fail_validation_with_a_clear_message(article):
    text = article.original
    text.blocks = [{"type": "paragraph", "text": "ok"}, {"type": "image", "caption": "no src"}]
    with pytest.raises(ValidationError) as err:
        text.full_clean()
    assert "block 1 (image): 'src' is a required property" in str(err.value)


def test_translation_cannot_be_in_the_source_language(article):
    text = ArticleText(article=article, language="vi", title="X", slug="x2", status="machine", blocks=[])
    with translation.override("en"), pytest.raises(ValidationError, match="source language"):
        text.full_clean(validate_constraints=False)


def test_section_names_are_people_kept_with_fallback():
    section = Section.objects.create(slug="nhan-vat", names={"vi": "Nhân vật", "en": "People", "id": "Tokoh"})
    assert section.name_for("id") == "Tokoh"
    assert Section(slug="x", names={"vi": "Kinh tế"}).name_for("en") == "Kinh tế"


@pytest.mark.parametrize("slug", ["search", "story", "author"])
def test_a_section_cannot_take_the_slug_of_a_site_page(slug):
    with translation.override("en"), pytest.raises(ValidationError, match="taken by a page of the site"):
        Section(slug=slug, names={"vi": "x"}).full_clean()


@pytest.mark.django_db
def test_an_outlets_search_section_does_not_hide_the_search_page():
    from kabar.ingest.store import section_for

    outlet = Outlet.objects.create(name="Post", slug="post", home_url="https://post.example/", language="en")
    section = section_for("Search", outlet)  # ingestion creates no section: it waits, unsorted
    assert section is not None and section.is_unsorted
    assert not Section.objects.filter(slug__startswith="search").exists()

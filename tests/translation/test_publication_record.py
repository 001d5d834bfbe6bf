"""Who published or edited each text and when: machine translation, post-editing, the admin list."""

from __future__ import annotations

import pytest
from django.test import Client
from translation_helpers import store

from kabar.news.models import ArticleText
from kabar.translation.postedit import apply_post_edit
from kabar.translation.services import translate_article

pytestmark = pytest.mark.django_db

BETTER_LEAD = "A person's better lead sentence about today."


def test_kabar_publishes_machine_text_and_originals_on_its_own(spy, outlet):
    article = store(outlet)
    original = article.texts.get(status="original")
    assert original.published_at is not None and original.published_by is None
    text = translate_article(article, "en")
    assert text.is_published and text.published_at is not None and text.published_by is None
    assert text.editor is None and text.edited_at is None


def test_a_post_edit_that_publishes_records_the_person(spy, outlet, settings, django_user_model):
    settings.MT_PUBLISH = {"en": "review"}  # held until a person has read it
    text = translate_article(store(outlet), "en")
    assert not text.is_published and text.published_at is None
    editor = django_user_model.objects.create_user("lan", password="unused", is_staff=True)
    lead = text.segments.get(field="lead")
    result = apply_post_edit(text, {lead.pk: BETTER_LEAD}, editor=editor)
    stored = ArticleText.objects.get(pk=text.pk)
    assert result.qa_passed and stored.is_published
    assert stored.published_by == editor and stored.editor == editor
    assert stored.published_at == stored.edited_at is not None

    # A later edit of a published text is an edit, not a new publication.
    first_published = stored.published_at
    other = django_user_model.objects.create_user("minh", password="unused", is_staff=True)
    apply_post_edit(stored, {lead.pk: "Another lead sentence, written by a second person."}, editor=other)
    again = ArticleText.objects.get(pk=text.pk)
    assert again.editor == other and again.published_by == editor and again.published_at == first_published
    assert again.edited_at > first_published


def test_the_admin_shows_who_and_when(spy, outlet, admin_user):
    text = translate_article(store(outlet), "en")
    apply_post_edit(text, {text.segments.get(field="lead").pk: BETTER_LEAD}, editor=admin_user)
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/news/articletext/").content.decode()
    for column in ("column-editor", "column-edited_at", "column-published_by", "column-published_at"):
        assert column in listing
    page = client.get(f"/admin/news/articletext/{text.pk}/change/").content.decode()
    assert "field-published_by" in page and "field-edited_at" in page and "field-published_at" in page
    article_page = client.get(f"/admin/news/article/{text.article_id}/change/").content.decode()
    assert "field-published_by" in article_page and admin_user.username in article_page

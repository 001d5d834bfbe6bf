"""A translator limited to some target languages writes only those, on every page that edits texts."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from kabar.news.models import Article, ArticleText, Outlet
from kabar.newsroom.limits import allowed_languages, may_write
from kabar.newsroom.models import TranslatorProfile
from kabar.newsroom.roles import TRANSLATOR, sync_roles

pytestmark = pytest.mark.django_db

BLOCKS = '[{"type": "paragraph", "text": "Rain."}]'


@pytest.fixture
def article() -> Article:
    sync_roles(apps)
    outlet = Outlet.objects.create(
        name="Báo Sông Hồng", slug="bsh", home_url="https://bsh.example/", language="vi"
    )
    article = Article.objects.create(
        outlet=outlet,
        source_url="https://bsh.example/a.html",
        source_language="vi",
        published_at=timezone.now(),
    )
    ArticleText.objects.create(article=article, language="vi", title="Bão", slug="bao", status="original")
    return article


@pytest.fixture
def translator(django_user_model):
    user = django_user_model.objects.create_user("thu", password="unused", is_staff=True)
    user.groups.add(Group.objects.get(name=TRANSLATOR))
    TranslatorProfile.objects.create(user=user, languages=["en"])
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def text_in(article: Article, language: str, status: str = "human") -> ArticleText:
    return ArticleText.objects.create(
        article=article, language=language, title=f"Storm {language}", slug=f"storm-{language}", status=status
    )


def form_for(text: ArticleText, **changes: str) -> dict[str, object]:
    return {
        "article": text.article_id,
        "language": text.language,
        "title": text.title,
        "slug": text.slug,
        "lead": "",
        "blocks": BLOCKS,
        "status": text.status,
        "editor": "",
        **changes,
    }


def test_texts_in_other_languages_are_read_only(article, translator):
    english, indonesian = text_in(article, "en"), text_in(article, "id")
    url = "/admin/news/articletext/{}/change/"
    assert b'name="_save"' in translator.get(url.format(english.pk)).content
    page = translator.get(url.format(indonesian.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert translator.post(url.format(indonesian.pk), form_for(indonesian, title="Badai")).status_code == 403
    assert translator.post(url.format(english.pk), form_for(english, title="Storm No. 3")).status_code == 302
    indonesian.refresh_from_db()
    english.refresh_from_db()
    assert indonesian.title == "Storm id" and english.title == "Storm No. 3"
    assert english.editor == translator.user and english.edited_at is not None
    assert (
        translator.post(f"/admin/news/articletext/{indonesian.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_adding_a_text_in_another_language_is_refused_with_the_reason(article, translator):
    add = "/admin/news/articletext/add/"
    refused = translator.post(
        add,
        form_for(ArticleText(article=article, language="id", title="Badai", slug="badai", status="human")),
    )
    assert refused.status_code == 200
    errors = BeautifulSoup(refused.content, "html.parser").select(".errorlist")
    assert any("You translate into en only; this text is in id" in e.text for e in errors)
    assert not ArticleText.objects.filter(language="id").exists()

    made = translator.post(
        add,
        form_for(ArticleText(article=article, language="en", title="Storm", slug="storm", status="human")),
    )
    assert made.status_code == 302
    text = ArticleText.objects.get(language="en")
    # A translator writes; an editor publishes.
    assert text.editor == translator.user and text.is_published is False and text.published_at is None


def test_the_post_edit_editor_follows_the_same_limit(article, translator):
    english, indonesian = text_in(article, "en", "machine"), text_in(article, "id", "machine")
    url = "/admin/translation/postedit/{}/change/"
    page = translator.get(url.format(indonesian.pk))
    assert (
        page.status_code == 200 and "You translate into en only; this text is in id" in page.content.decode()
    )
    assert translator.post(url.format(indonesian.pk), {}).status_code == 403
    # Allowed: the editor takes the POST (this text has no segments, so it says so and saves nothing).
    allowed = translator.post(url.format(english.pk), {}, follow=True)
    assert allowed.status_code == 200 and "no stored segments" in allowed.content.decode()


def test_who_is_limited(django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="unused")
    TranslatorProfile.objects.create(user=admin, languages=["en"])
    free = django_user_model.objects.create_user("free", password="unused")
    everything = django_user_model.objects.create_user("every", password="unused")
    TranslatorProfile.objects.create(user=everything, languages=[])
    assert allowed_languages(admin) is None and allowed_languages(free) is None
    assert allowed_languages(everything) is None and may_write(free, "id")
    limited = django_user_model.objects.create_user("lim", password="unused")
    TranslatorProfile.objects.create(user=limited, languages=["en", "id"])
    assert (
        allowed_languages(limited) == {"en", "id"}
        and may_write(limited, "EN")
        and not may_write(limited, "vi")
    )


def test_languages_must_be_site_languages(django_user_model):
    profile = TranslatorProfile(user=django_user_model.objects.create_user("x"), languages=["en", "fr"])
    with pytest.raises(ValidationError, match="Not a site language: fr"):
        profile.full_clean()
    profile.languages = "en"
    with pytest.raises(ValidationError, match="A list of language codes"):
        profile.full_clean()


def test_languages_are_set_on_the_users_page(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="unused")
    client = Client()
    client.force_login(root)
    page = client.get(f"/admin/auth/user/{root.pk}/change/")
    assert page.status_code == 200 and b"translator_profile-TOTAL_FORMS" in page.content

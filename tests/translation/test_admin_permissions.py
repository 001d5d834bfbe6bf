"""Who may see and use the segment editor and the status matrix, with real logins and permissions."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client
from translation_helpers import store

from kabar.news.models import ArticleText
from kabar.translation.services import translate_article

pytestmark = pytest.mark.django_db

EDITOR = "/admin/translation/postedit/{}/change/"
MATRIX = "/admin/translation/matrix/"
FARE = "Giá vé là 15.000 đồng."


@pytest.fixture
def log_in(django_user_model):
    """A client signed in as a fresh staff user holding exactly the given translation permissions."""

    def log_in(*codenames: str) -> Client:
        user = django_user_model.objects.create_user(
            "staff-" + "-".join(codenames), password="unused", is_staff=True
        )
        permissions = Permission.objects.filter(content_type__app_label="translation", codename__in=codenames)
        assert sorted(p.codename for p in permissions) == sorted(codenames)
        user.user_permissions.add(*permissions)
        client = Client()
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def text(spy, outlet) -> ArticleText:
    return translate_article(store(outlet, paragraphs=[FARE]), "en")


def editor_data(client: Client, text: ArticleText) -> dict[str, str]:
    page = BeautifulSoup(client.get(EDITOR.format(text.pk)).content, "html.parser")
    return {area["name"]: area.text.strip() for area in page.select("textarea")}


def wrong_fare(client: Client, text: ArticleText) -> dict[str, str]:
    """The editor's form with a number typed wrong: QA fails on it."""
    data = editor_data(client, text)
    data[f"segment_{text.segments.get(source_text=FARE).pk}"] = "The fare is 12,000 dong."
    return data


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_login_page(text, method):
    for url in (EDITOR.format(text.pk), MATRIX):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")


def test_staff_without_translation_permissions_are_refused(text, log_in):
    client = log_in()
    assert client.get(EDITOR.format(text.pk)).status_code == 403
    assert client.get(MATRIX).status_code == 403
    assert (
        client.post(MATRIX, {"article": [text.article_id], "target": "en", "force": "on"}).status_code == 403
    )


def test_view_only_staff_see_the_editor_read_only_and_cannot_post(text, log_in):
    client = log_in("view_postedit")
    response = client.get(EDITOR.format(text.pk))
    assert response.status_code == 200
    assert BeautifulSoup(response.content, "html.parser").select("textarea") == []

    lead = text.segments.get(field="lead")
    response = client.post(EDITOR.format(text.pk), {f"segment_{lead.pk}": "Someone else's lead."})

    assert response.status_code == 403
    assert ArticleText.objects.get(pk=text.pk).status == ArticleText.Status.MACHINE


def test_view_only_staff_see_the_matrix_and_cannot_queue(text, log_in):
    client = log_in("view_matrix")
    response = client.get(MATRIX)
    assert response.status_code == 200
    assert response.context["can_translate"] is False

    article = store(text.article.outlet, url="https://thu.example/untranslated.html")
    response = client.post(MATRIX, {"article": [article.pk], "target": "en"})

    assert response.status_code == 403
    assert not article.texts.filter(language="en").exists()


def test_staff_who_may_change_post_edits_save_them(text, log_in):
    client = log_in("view_postedit", "change_postedit")
    data = editor_data(client, text)
    data[f"segment_{text.segments.get(field='lead').pk}"] = "A person's better lead sentence about today."

    assert client.post(EDITOR.format(text.pk), data).status_code == 302

    stored = ArticleText.objects.get(pk=text.pk)
    assert stored.status == ArticleText.Status.POST_EDITED
    assert stored.lead == "A person's better lead sentence about today."


def test_staff_who_may_change_the_matrix_queue_translations(spy, outlet, log_in):
    article = store(outlet, url="https://thu.example/untranslated.html")
    client = log_in("view_matrix", "change_matrix")
    assert client.get(MATRIX).status_code == 200

    response = client.post(MATRIX, {"article": [article.pk], "target": "en"})

    assert response.status_code == 302
    assert article.texts.get(language="en").status == ArticleText.Status.MACHINE


def test_publishing_past_qa_needs_its_own_permission(text, log_in):
    client = log_in("view_postedit", "change_postedit")
    page = BeautifulSoup(client.get(EDITOR.format(text.pk)).content, "html.parser")
    assert page.find("input", {"name": "publish_anyway"}) is None

    # Posted by hand anyway, the box is ignored: the edit is saved and the text stays held.
    response = client.post(EDITOR.format(text.pk), {**wrong_fare(client, text), "publish_anyway": "on"})

    assert response.status_code == 302
    stored = ArticleText.objects.get(pk=text.pk)
    assert stored.status == ArticleText.Status.POST_EDITED and stored.qa_passed is False
    assert stored.is_published is False


def test_staff_with_the_publish_permission_may_publish_past_qa(text, log_in):
    client = log_in("view_postedit", "change_postedit", "publish_despite_qa")
    page = BeautifulSoup(client.get(EDITOR.format(text.pk)).content, "html.parser")
    assert page.find("input", {"name": "publish_anyway"}) is not None

    response = client.post(EDITOR.format(text.pk), {**wrong_fare(client, text), "publish_anyway": "on"})

    assert response.status_code == 302
    stored = ArticleText.objects.get(pk=text.pk)
    assert stored.qa_passed is False and stored.is_published is True

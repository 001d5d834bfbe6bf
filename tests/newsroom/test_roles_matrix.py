"""Each newsroom role, held alone by a staff user, reaches exactly the admin pages it should.

Real admin requests with a signed-in user who is in one group only: 200 where the role
works, 403 where it does not, the login page for a visitor.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from kabar.news.models import Article, ArticleText, Outlet, Section, Source
from kabar.newsroom.roles import EDITOR, MODERATOR, ROLES, SOURCES_MANAGER, TRANSLATOR, sync_roles

pytestmark = pytest.mark.django_db

E, T, M, S = EDITOR, TRANSLATOR, MODERATOR, SOURCES_MANAGER
ALL = (E, T, M, S)

# (page, the roles that get 200; every other role gets 403)
MATRIX = [
    ("/admin/", ALL),
    ("/admin/news/article/", (E, T)),
    ("/admin/news/article/add/", (E,)),
    ("/admin/news/article/{article}/change/", (E, T)),  # a translator's is read-only (see below)
    ("/admin/news/articletext/", (E, T)),
    ("/admin/news/articletext/add/", (E, T)),
    ("/admin/news/media/", (E, T)),
    ("/admin/news/section/", (E, T)),
    ("/admin/news/section/add/", (E,)),
    ("/admin/news/author/add/", (E,)),
    ("/admin/news/story/", (E,)),
    ("/admin/stories/storymembership/", (E,)),
    ("/admin/news/outlet/", (E, S)),
    ("/admin/news/outlet/add/", (S,)),
    ("/admin/news/source/", (E, S)),
    ("/admin/news/source/add/", (S,)),
    ("/admin/ingest/ingestfailure/", (E, S)),
    ("/admin/translation/postedit/", (E, T)),
    ("/admin/translation/matrix/", (E, T)),
    ("/admin/translation/glossaryterm/", (E, T)),
    ("/admin/translation/glossaryterm/add/", (E,)),
    ("/admin/translation/tmentry/", (E, T)),
    ("/admin/auth/user/", ()),
    ("/admin/auth/group/", ()),
    ("/admin/newsroom/translatorprofile/", ()),
    ("/admin/api/apikey/", ()),
    ("/admin/webhooks/subscription/", ()),
    ("/admin/comments/comment/", (M,)),
    ("/admin/comments/moderationlog/", (M,)),
    ("/admin/comments/ban/add/", (M,)),
]


@pytest.fixture(autouse=True)
def roles() -> None:
    # The migration made them; made again here (idempotent) in case a transactional test
    # elsewhere flushed the database since.
    sync_roles(apps)


@pytest.fixture
def article() -> Article:
    outlet = Outlet.objects.create(
        name="Báo Sông Hồng", slug="bsh", home_url="https://bsh.example/", language="vi"
    )
    Section.objects.create(slug="thoi-su", names={"vi": "Thời sự", "en": "News"})
    article = Article.objects.create(
        outlet=outlet,
        source_url="https://bsh.example/a.html",
        source_language="vi",
        published_at=timezone.now(),
    )
    ArticleText.objects.create(
        article=article, language="vi", title="Bão số 3", slug="bao-so-3", status="original"
    )
    return article


def member(django_user_model, role: str) -> Client:
    user = django_user_model.objects.create_user(
        role.lower().replace(" ", "-"), password="unused", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ALL)
def test_each_role_reaches_what_it_should_and_nothing_else(django_user_model, article, role):
    client = member(django_user_model, role)
    got = {}
    for page, allowed in MATRIX:
        url = page.format(article=article.pk)
        got[url] = (client.get(url).status_code, 200 if role in allowed else 403)
    wrong = {url: codes for url, codes in got.items() if codes[0] != codes[1]}
    assert wrong == {}, f"{role}: (got, expected) {wrong}"


def test_visitors_and_staff_without_a_role(django_user_model, article):
    for page, _ in MATRIX:
        response = Client().get(page.format(article=article.pk))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    nobody = django_user_model.objects.create_user("nobody", password="unused", is_staff=True)
    client = Client()
    client.force_login(nobody)
    assert client.get("/admin/news/article/").status_code == 403
    assert client.get("/admin/translation/postedit/").status_code == 403


def test_a_translator_cannot_change_articles_nor_queue_engines(django_user_model, article):
    client = member(django_user_model, TRANSLATOR)
    page = client.get(f"/admin/news/article/{article.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # read-only
    assert client.post(f"/admin/news/article/{article.pk}/change/", {}).status_code == 403
    queue = client.post("/admin/translation/matrix/", {"article": [article.pk], "target": "en"})
    assert queue.status_code == 403


def test_only_editors_publish(django_user_model, article):
    text = ArticleText.objects.create(
        article=article, language="en", title="Storm", slug="storm", status="human", is_published=False
    )
    url = f"/admin/news/articletext/{text.pk}/change/"
    form = {
        "article": article.pk,
        "language": "en",
        "title": "Storm No. 3",
        "slug": "storm",
        "lead": "",
        "blocks": '[{"type": "paragraph", "text": "Rain."}]',
        "status": "human",
        "is_published": "on",
        "editor": "",
    }
    translator = member(django_user_model, TRANSLATOR)
    assert b'name="is_published"' not in translator.get(url).content
    assert translator.post(url, form).status_code == 302
    text.refresh_from_db()
    assert text.title == "Storm No. 3" and not text.is_published and text.published_by is None

    editor = member(django_user_model, EDITOR)
    assert b'name="is_published"' in editor.get(url).content
    assert editor.post(url, form).status_code == 302
    text.refresh_from_db()
    assert text.is_published and text.published_by.username == "editor" and text.published_at is not None


def test_a_sources_manager_never_allows_private_addresses(django_user_model, article):
    client = member(django_user_model, SOURCES_MANAGER)
    page = client.get("/admin/news/source/add/")
    assert b'name="allow_private"' not in page.content
    assert b'value="file"' not in page.content and b'value="warc"' not in page.content
    form = {
        "outlet": article.outlet_id,
        "kind": "feed",
        "url": "http://10.0.0.5/rss.xml",
        "schedule_minutes": "30",
        "enabled": "on",
        "allow_private": "on",  # a hand-made POST: the field is not in the form
    }
    private = client.post("/admin/news/source/add/", form)
    assert (
        private.status_code == 200
        and "Only a superuser can approve private addresses" in private.content.decode()
    )
    public = {**form, "url": "http://93.184.216.34/rss.xml"}
    assert client.post("/admin/news/source/add/", public).status_code == 302
    source = Source.objects.get(url=public["url"])
    assert source.allow_private is False and source.private_access_by is None
    server_side = client.post("/admin/news/source/add/", {**public, "kind": "file", "url": "/etc/"})
    assert server_side.status_code == 200 and not Source.objects.filter(kind="file").exists()
    change = client.post(
        f"/admin/news/source/{source.pk}/change/", {**public, "url": "http://93.184.216.34/x"}
    )
    assert change.status_code == 302
    source.refresh_from_db()
    assert source.url.endswith("/x") and source.allow_private is False


def test_every_permission_a_role_names_exists():
    # A misspelt codename would otherwise be skipped without a word.
    for role, wanted in ROLES.items():
        for entry in wanted:
            app, codename = entry.split(".", 1)
            if codename == "*":
                continue
            assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), (
                role,
                entry,
            )
    moderator = Group.objects.get(name=MODERATOR).permissions
    assert set(moderator.values_list("content_type__app_label", flat=True)) == {"comments"}
    assert moderator.count() == Permission.objects.filter(content_type__app_label="comments").count() > 0


def test_sync_is_idempotent_only_adds_and_grants_whole_apps_by_wildcard():
    first = sync_roles(apps)
    editors = Group.objects.get(name=EDITOR)
    extra = Permission.objects.get(codename="view_apikey")
    editors.permissions.add(extra)  # an administrator's own addition
    editors.permissions.remove(Permission.objects.get(codename="publish_articletext"))
    again = sync_roles(apps)
    assert again == {**first, EDITOR: first[EDITOR] + 1}
    assert editors.permissions.filter(codename="publish_articletext").exists()
    assert editors.permissions.filter(pk=extra.pk).exists()
    assert Group.objects.filter(name__in=ROLES).count() == 4
    # A whole app by "<label>.*" (what the comments app's migration does for the Moderator).
    counts = sync_roles(apps, {MODERATOR: ("webhooks.*",)})
    webhooks = Permission.objects.filter(content_type__app_label="webhooks").count()
    comments = Permission.objects.filter(content_type__app_label="comments").count()
    assert counts[MODERATOR] == webhooks + comments and webhooks > 0  # only adds: comments stay


@pytest.mark.parametrize("role", ALL)
def test_no_role_can_switch_on_private_access(django_user_model, article, role):
    client = member(django_user_model, role)
    form = {
        "outlet": article.outlet_id,
        "kind": "feed",
        "url": "http://93.184.216.34/feed.xml",
        "schedule_minutes": "30",
        "enabled": "on",
        "allow_private": "on",
    }
    response = client.post("/admin/news/source/add/", form)
    assert response.status_code == (302 if role == SOURCES_MANAGER else 403)
    assert not Source.objects.filter(allow_private=True).exists()
    outlet_page = client.get(f"/admin/news/outlet/{article.outlet_id}/change/")
    assert b'name="sources-0-allow_private"' not in outlet_page.content

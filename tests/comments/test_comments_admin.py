"""The moderation queue in the admin, the Moderator role, and the comment block's cache tag."""

from __future__ import annotations

import pytest
from comments_support import approved_commenter, page_url
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from kabar.comments import moderation
from kabar.comments.models import Ban, Comment, Commenter, ModerationLog
from kabar.newsroom.roles import MODERATOR, sync_roles
from kabar.pagecache import versions

pytestmark = pytest.mark.django_db
QUEUE = "/admin/comments/comment/"


@pytest.fixture
def moderator_client() -> Client:
    # The roles come from a migration; a transactional test run earlier in this process empties
    # every table, so they are made again (idempotent), as the roles' own tests do.
    sync_roles(django_apps)
    user = get_user_model().objects.create_user("mod", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATOR))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def held(article) -> list[Comment]:
    newcomer = Commenter.objects.create(name="Hoa", email="hoa@example.com")
    return [
        Comment.objects.create(
            article=article,
            language="vi",
            commenter=newcomer,
            name="Hoa",
            body=f"Ý kiến chờ {n}",
            status="held",
            reasons=["new_commenter"],
            ip="192.0.2.5",
        )
        for n in range(2)
    ]


def test_the_moderator_role_reaches_the_queue_and_nothing_else(moderator_client, held):
    assert (
        Group.objects.get(name=MODERATOR).permissions.filter(content_type__app_label="comments").count() >= 28
    )
    queue = moderator_client.get(QUEUE)
    assert queue.status_code == 200 and "Ý kiến chờ 0" in queue.content.decode()
    for page in ("/admin/comments/moderationlog/", "/admin/comments/ban/", "/admin/comments/wordrule/"):
        assert moderator_client.get(page).status_code == 200
    for page in ("/admin/news/article/", "/admin/news/source/", "/admin/news/outlet/", "/admin/auth/user/"):
        assert moderator_client.get(page).status_code == 403, page


def test_the_queue_shows_held_comments_by_default(moderator_client, held, article):
    approved_commenter(article=article, count=1)
    page = moderator_client.get(QUEUE).content.decode()
    assert "Ý kiến 0" not in page  # approved: not in the queue
    assert "Ý kiến 0" in moderator_client.get(QUEUE + "?queue=approved").content.decode()
    assert "Ý kiến chờ 1" in moderator_client.get(QUEUE + "?reason=new_commenter").content.decode()


def test_bulk_approve_reject_and_spam_with_a_reason_are_logged(moderator_client, held):
    data = {
        "action": "reject",
        "_selected_action": [held[0].pk],
        "reason": "off_topic",
        "note": "không liên quan",
    }
    assert moderator_client.post(QUEUE, data).status_code == 302
    held[0].refresh_from_db()
    assert (
        held[0].status == "rejected"
        and held[0].reasons == ["off_topic"]
        and held[0].decided_by.username == "mod"
    )
    entry = ModerationLog.objects.get(comment=held[0])
    assert entry.action == "rejected" and entry.actor.username == "mod" and "không liên quan" in entry.reason
    # actions apply to the list shown: the rejected one is no longer in the queue, so "all"
    moderator_client.post(
        QUEUE + "?queue=all", {"action": "approve", "_selected_action": [c.pk for c in held]}
    )
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    moderator_client.post(QUEUE + "?queue=all", {"action": "mark_spam", "_selected_action": [held[1].pk]})
    held[1].refresh_from_db()
    assert held[1].status == "spam"
    assert moderator_client.get("/admin/comments/moderationlog/").status_code == 200


def test_banning_an_email_and_an_address(moderator_client, held):
    moderator_client.post(QUEUE, {"action": "ban_email", "_selected_action": [held[0].pk], "reason": "abuse"})
    assert Ban.objects.filter(kind="email", value="hoa@example.com").exists()
    assert set(Comment.objects.values_list("status", flat=True)) == {"rejected", "held"}
    moderator_client.post(QUEUE, {"action": "ban_ip", "_selected_action": [held[1].pk]})
    assert Ban.objects.filter(kind="ip", value="192.0.2.5").exists()
    assert ModerationLog.objects.filter(action="ban_ip").count() == 1


def test_deciding_bumps_only_the_comment_blocks_tag(
    client, settings, held, article, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    tag, article_tag = f"comments:{article.pk}", f"article:{article.pk}"
    first = client.get(page_url(article))
    assert tag in first["Surrogate-Key"].split() and "Ý kiến chờ 0" not in first.content.decode()
    before = versions.current([tag, article_tag])
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate([held[0]], "approved", None)
    after = versions.current([tag, article_tag])
    assert after[tag] != before[tag] and after[article_tag] == before[article_tag]
    assert "Ý kiến chờ 0" in client.get(page_url(article)).content.decode()  # the stored page was stale

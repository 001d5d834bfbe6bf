"""Regression tests from the comments review: escaping, bans, limits, tokens, cache, admin, MT."""

from __future__ import annotations

import pytest
from comments_support import approved_commenter, confirm_link, form_data, form_url, page_url, post
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from kabar.comments import moderation, text, views
from kabar.comments import translate as comment_translate
from kabar.comments.models import Ban, Comment, Commenter, CommentTranslation, ModerationLog, WordRule
from kabar.core.errors import StageError
from kabar.newsroom.roles import MODERATOR, sync_roles
from kabar.pagecache import versions

pytestmark = pytest.mark.django_db
QUEUE = "/admin/comments/comment/"


def _approved(article, body: str = "Hay quá", language: str = "vi") -> Comment:
    commenter = approved_commenter(email=f"c{Comment.objects.count()}@example.com", article=article, count=0)
    return Comment.objects.create(
        article=article, language=language, commenter=commenter, name="Minh", body=body, status="approved"
    )


@pytest.fixture
def moderator_client() -> Client:
    sync_roles(django_apps)  # a transactional test earlier in this process may have emptied the roles
    user = get_user_model().objects.create_user("mod", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATOR))
    client = Client()
    client.force_login(user)
    return client


# --- stored XSS and unicode tricks ---------------------------------------------------------


def test_name_body_and_links_are_escaped_and_only_http_links_are_made():
    html = text.render('<script>alert(1)</script> javascript:alert(1) http://x.example/"onmouseover=1')
    assert "<script" not in html and "javascript:alert(1)</a>" not in html
    assert 'href="http://x.example/"' in html and 'rel="nofollow ugc noopener"' in html
    assert "onmouseover=1</a>" not in html


def test_bidi_overrides_and_zero_width_characters_are_dropped(client, article):
    post(client, article, name="Lan\u202egnp.exe", body="x\u200by\u2066z\ufeff")
    comment = Comment.objects.get()
    assert comment.name == "Langnp.exe" and comment.body == "xyz"


def test_a_banned_word_hidden_by_joiners_or_look_alike_letters_is_found():
    assert text.listed_words("mua sp\u200dam ngay", ["spam"]) == ["spam"]
    assert text.listed_words("mua ѕрам ngay", ["spam"]) == ["spam"]  # Cyrillic letters
    assert text.listed_words("Đồ NGỐC", ["do ngoc"]) == ["do ngoc"]


def test_links_written_with_full_width_or_leader_dots_count_as_links():
    assert text.has_link("mua tai ｗｗｗ．casino．com") and text.has_link("casino\u2024com")
    assert not text.has_link("Bài viết hay.")


def test_a_banned_word_or_a_link_in_the_name_counts(article):
    WordRule.objects.create(word="spamword", kind="banned")
    trusted = approved_commenter(article=article)
    comment = Comment.objects.create(
        article=article, language="vi", commenter=trusted, name="Spamword", body="Hay.", status="unconfirmed"
    )
    assert moderation.settle(comment, "post").status == "rejected"
    newish = approved_commenter(email="new@example.com", article=article, count=1)
    linked = Comment.objects.create(
        article=article,
        language="vi",
        commenter=newish,
        name="www.casino.example",
        body="Hay.",
        status="unconfirmed",
    )
    assert moderation.settle(linked, "post").reasons == ("link",)


# --- bans and rate limits ------------------------------------------------------------------


def test_plus_dots_case_and_idn_variants_of_a_banned_email_are_banned(client, article):
    Ban.objects.create(kind="email", value="spammer@gmail.com")
    for email in ("S.Pammer+x@GMail.com", "spammer@googlemail.com", "spammer@gmail.com."):
        assert moderation.is_banned(email, None), email
    response = post(client, article, email="s.pammer+1@gmail.com")
    assert response.status_code == 403 and not Comment.objects.exists()


def test_the_ban_action_stores_the_canonical_address(moderator_client, article):
    writer = Commenter.objects.create(name="X", email="x.y+tag@gmail.com")
    comment = Comment.objects.create(
        article=article, language="vi", commenter=writer, name="X", body="b", status="held"
    )
    moderator_client.post(QUEUE, {"action": "ban_email", "_selected_action": [comment.pk]})
    assert Ban.objects.filter(kind="email", value="xy@gmail.com").exists()
    assert moderation.is_banned("xy+other@gmail.com", None)


def test_the_email_rate_limit_counts_plus_addresses_together(article, comment_settings):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "rate_email": "1/hour"}
    assert post(Client(), article, email="lan@example.com").status_code == 200
    second = Client().post(
        form_url(article), form_data(article, email="Lan+2@example.com"), REMOTE_ADDR="198.51.100.9"
    )
    assert second.status_code == 429


def test_the_address_rate_limit_counts_an_ipv6_64_together(article, comment_settings):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "rate_ip": "1/hour"}

    def send(address: str, email: str) -> int:
        data = form_data(article, email=email)
        return Client().post(form_url(article), data, REMOTE_ADDR=address).status_code

    assert send("2001:db8:1:2::1", "a@example.com") == 200
    assert send("2001:db8:1:2::ffff", "b@example.com") == 429
    assert send("2001:db8:1:3::1", "c@example.com") == 200


# --- tokens --------------------------------------------------------------------------------


def test_one_opened_form_sends_one_comment(client, article):
    data = form_data(article)
    assert client.post(form_url(article), data, REMOTE_ADDR="203.0.113.7").status_code == 200
    again = client.post(form_url(article), {**data, "email": "b@example.com"}, REMOTE_ADDR="203.0.113.7")
    assert again.status_code == 400 and Comment.objects.count() == 1


def test_a_confirmation_link_publishes_nothing_after_a_ban(client, article, mailoutbox):
    post(client, article)
    link = confirm_link(mailoutbox[0])
    Ban.objects.create(kind="email", value="lan@example.com")
    assert client.post(link).status_code == 403
    assert Comment.objects.get().status == "unconfirmed"


def test_a_confirmation_link_publishes_nothing_once_comments_are_closed(
    client, article, mailoutbox, comment_settings
):
    post(client, article)
    link = confirm_link(mailoutbox[0])
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "moderation": "off"}
    assert client.post(link).status_code == 403
    assert Comment.objects.get().status == "unconfirmed"


# --- IDOR and bad input --------------------------------------------------------------------


def test_a_bad_reply_target_is_no_500(client, article):
    for reply in ("abc", "99999999999999999999999", "-1"):
        assert client.get(form_url(article) + f"?reply={reply}").status_code == 200, reply
    assert post(client, article, parent="abc").status_code == 400


def test_comments_of_an_unpublished_article_cannot_be_reported_or_translated(client, article):
    comment = _approved(article)
    article.texts.update(is_published=False)
    assert client.get(f"/vi/comments/{comment.pk}/report/").status_code == 404
    assert client.get(f"/en/comments/{comment.pk}/translate/").status_code == 404


def test_a_huge_body_or_name_is_refused_not_stored(client, article):
    assert post(client, article, body="x" * (10 * 1024 * 1024)).status_code == 400
    assert post(client, article, name="n" * 10_000).status_code == 400
    assert not Comment.objects.exists()


def test_a_signed_in_reader_with_a_long_full_name_can_comment(client, article):
    user = get_user_model().objects.create_user("long", email="long@example.com", first_name="A" * 150)
    client.force_login(user)
    assert client.post(form_url(article), form_data(article, name="", email="")).status_code == 200
    assert len(Comment.objects.get().name) <= 80


def test_no_header_injection_through_the_name_or_email(client, article, mailoutbox):
    assert post(client, article, email="a@example.com\r\nBcc: b@evil.example").status_code == 400
    assert post(client, article, name="Lan\r\nBcc: b@evil.example").status_code == 200
    (message,) = mailoutbox
    assert message.to == ["lan@example.com"] and not message.bcc and "\r" not in message.subject
    assert Comment.objects.get().name == "Lan Bcc: b@evil.example"


# --- page cache and admin ------------------------------------------------------------------


def test_deleting_a_comment_in_the_admin_refreshes_the_stored_page(
    moderator_client, article, django_capture_on_commit_callbacks
):
    comment = _approved(article)
    tag = f"comments:{article.pk}"
    before = versions.current([tag])
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            QUEUE + "?queue=all",
            {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"},
        )
    assert response.status_code == 302 and not Comment.objects.exists()
    assert versions.current([tag]) != before


def test_a_section_policy_saved_or_deleted_refreshes_its_article_pages(
    article, django_capture_on_commit_callbacks
):
    from kabar.comments.models import SectionPolicy

    tags = [f"section:{article.section_id}:{code}" for code in ("vi", "en", "id")]
    before = versions.current(tags)
    with django_capture_on_commit_callbacks(execute=True):
        policy = SectionPolicy.objects.create(section=article.section, close_after_days=1)
    saved = versions.current(tags)
    assert all(saved[t] != before[t] for t in tags)
    with django_capture_on_commit_callbacks(execute=True):
        policy.delete()
    assert all(versions.current(tags)[t] != saved[t] for t in tags)


def test_a_bulk_decision_on_many_comments_takes_few_queries(article, django_assert_max_num_queries):
    writer = Commenter.objects.create(name="S", email="s@example.com")
    Comment.objects.bulk_create(
        Comment(article=article, language="vi", commenter=writer, name="S", body=f"{n}", status="held")
        for n in range(1200)
    )
    with django_assert_max_num_queries(20):
        assert moderation.moderate(Comment.objects.all(), "rejected", None, "spam") == 1200
    assert set(Comment.objects.values_list("status", flat=True)) == {"rejected"}
    assert ModerationLog.objects.filter(action="rejected").count() == 1200


def test_held_and_rejected_comments_never_reach_the_page(client, article):
    for status in ("held", "rejected", "spam", "unconfirmed"):
        Comment.objects.create(
            article=article,
            language="vi",
            commenter=approved_commenter(f"{status}@example.com", 0, article),
            name="X",
            body=f"an-{status}-one",
            status=status,
        )
    page = client.get(page_url(article)).content.decode()
    assert "an-held-one" not in page and "an-rejected-one" not in page and "an-unconfirmed-one" not in page


# --- machine translation -------------------------------------------------------------------


def test_new_translations_are_rate_limited_per_client(client, article, monkeypatch):
    monkeypatch.setattr(views, "TRANSLATE_RATE", "1/hour")
    monkeypatch.setattr(
        comment_translate, "_translate", lambda c, t: comment_translate.Translated("done", "r")
    )
    first, second = _approved(article, "một"), _approved(article, "hai")
    CommentTranslation.objects.create(comment=first, language="en", body="one", route="r")
    assert client.get(f"/en/comments/{first.pk}/translate/").status_code == 200  # stored: free
    assert client.get(f"/en/comments/{second.pk}/translate/").status_code == 200
    third = _approved(article, "ba")
    assert client.get(f"/en/comments/{third.pk}/translate/").status_code == 429


def test_a_failed_translation_is_not_asked_again_at_once(article, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise StageError("down", stage="translate")

    monkeypatch.setattr(comment_translate, "translate_blocks", failing)
    monkeypatch.setattr(comment_translate, "get_router", lambda: type("R", (), {"plan": lambda *a: None})())
    comment = _approved(article)
    assert comment_translate.translated(comment, "en").problem == "failed"
    assert comment_translate.translated(comment, "en").problem == "failed"
    assert len(calls) == 1


def test_two_first_comments_with_one_address_at_once_share_one_commenter(rf, monkeypatch):
    # The other request's commenter is committed between this request's look-up and its insert:
    # the one-per-email constraint must not become a 500. Played here by a look-up that misses once.
    from django.contrib.auth.models import AnonymousUser
    from django.db.models.query import QuerySet

    address = "race@example.com"
    Commenter.objects.create(name="Lan", email=address)  # the other request's, already committed
    real_get, missed = QuerySet.get, []

    def before_the_other_commit(self, *args, **kwargs):
        if self.model is Commenter and not missed:
            missed.append(True)
            raise Commenter.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", before_the_other_commit)
    request = rf.post("/vi/comments/")
    request.user = AnonymousUser()
    commenter, vouched = views._commenter(request, {"name": "Minh", "email": address})
    assert missed and commenter.name == "Lan" and not vouched
    assert Commenter.objects.filter(email=address).count() == 1

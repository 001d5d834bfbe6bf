"""Each moderation rule (held, approved, rejected), bans, reports and rate limits."""

from __future__ import annotations

import pytest
from comments_support import approved_commenter, make_article, post
from django.test import Client

from kabar.comments import moderation
from kabar.comments.models import Ban, Comment, Commenter, ModerationLog, Report, SectionPolicy, WordRule

pytestmark = pytest.mark.django_db


def decide(body: str, commenter: Commenter, moderation_mode: str = "post") -> moderation.Decision:
    return moderation.decide(commenter, body, moderation_mode)


@pytest.fixture
def trusted(article):
    return approved_commenter(article=article)


def test_a_trusted_commenter_is_published_at_once(trusted):
    assert decide("Bài viết rất hay, cảm ơn.", trusted) == moderation.Decision("approved")


def test_pre_moderation_holds_everyone(trusted):
    assert decide("Bài viết hay.", trusted, "pre") == moderation.Decision("held", ("pre_moderation",))


def test_a_section_can_pre_moderate(client, article, trusted):
    from kabar.comments.policy import article_policy

    SectionPolicy.objects.create(section=article.section, moderation="pre")
    assert article_policy(article).moderation == "pre"


def test_new_commenters_are_held_until_enough_approved(article):
    newcomer = Commenter.objects.create(name="Hoa", email="hoa@example.com")
    assert decide("Xin chào.", newcomer).reasons == ("new_commenter",)
    Comment.objects.create(
        article=article, language="vi", commenter=newcomer, name="Hoa", body="x", status="approved"
    )
    assert decide("Xin chào.", newcomer).status == "approved"


def test_banned_words_reject_and_suspect_words_hold_whatever_the_accents(trusted):
    WordRule.objects.create(word="đồ ngốc", kind="banned")
    WordRule.objects.create(word="lừa đảo", kind="suspect")
    assert decide("Tác giả là DO NGOC!", trusted) == moderation.Decision("rejected", ("banned_word",))
    assert decide("Đây là trò lua dao.", trusted) == moderation.Decision("held", ("suspect_word",))
    # whole words only: "ngốc" inside another word, or "lừa" alone, is not a match
    assert decide("Lừa và ngựa.", trusted).status == "approved"


def test_links_from_commenters_not_yet_trusted_are_held(article):
    regular = approved_commenter("regular@example.com", count=1, article=article)
    assert decide("Xem https://example.com/x nhé", regular).reasons == ("link",)
    assert decide("Xem www.example.com nhé", regular).reasons == ("link",)
    assert decide("Không có đường dẫn.", regular).status == "approved"
    trusted = approved_commenter("t@example.com", count=3, article=article)
    assert decide("Xem https://example.com/x nhé", trusted).status == "approved"


def test_a_high_rejection_rate_holds(article):
    commenter = approved_commenter("often-rejected@example.com", count=1, article=article)
    for n in range(3):
        Comment.objects.create(
            article=article, language="vi", commenter=commenter, name="X", body=f"{n}", status="rejected"
        )
    assert decide("Một ý kiến.", commenter).reasons == ("rejection_rate",)


def test_rejected_and_held_comments_are_logged_and_not_shown(client, article, trusted, comment_settings):
    WordRule.objects.create(word="spamword", kind="banned")
    comment = Comment.objects.create(
        article=article, language="vi", commenter=trusted, name="Minh", body="spamword", status="unconfirmed"
    )
    assert moderation.settle(comment, "post").status == "rejected"
    log = ModerationLog.objects.get(comment=comment)
    assert log.action == "rejected" and log.actor is None and log.reason == "từ bị cấm"  # the site's language
    assert comment.reasons == ["banned_word"]


def test_a_banned_email_or_address_cannot_comment(client, article):
    Ban.objects.create(kind="email", value="lan@example.com")
    response = post(client, article)
    assert response.status_code == 403 and not Comment.objects.exists()
    Ban.objects.all().delete()
    Ban.objects.create(kind="ip", value="203.0.113.7")
    assert post(client, article, email="other@example.com").status_code == 403


def test_an_ip_ban_may_name_a_network(client, article):
    Ban.objects.create(kind="ip", value="198.51.100.0/24")  # not the poster's network
    assert post(client, article, email="a@example.com").status_code == 200
    Ban.objects.create(kind="ip", value="203.0.113.0/24")  # the poster's (203.0.113.7)
    assert post(client, article, email="b@example.com").status_code == 403


def test_an_ip_ban_is_checked_and_written_plainly():
    from django.core.exceptions import ValidationError

    ban = Ban(kind="ip", value=" 2001:DB8::1/48 ")
    ban.full_clean()
    assert ban.value == "2001:db8::/48"
    single = Ban(kind="ip", value="203.0.113.7/32")
    single.full_clean()
    assert single.value == "203.0.113.7"
    with pytest.raises(ValidationError) as refused:
        Ban(kind="ip", value="203.0.113.300").full_clean()
    assert "value" in refused.value.message_dict


def test_reports_take_a_comment_back_to_the_queue(article, trusted, comment_settings):
    comment = trusted.comments.first()
    url = f"/vi/comments/{comment.pk}/report/"
    client = Client()
    assert client.get(url).status_code == 200
    for n, address in enumerate(["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.3"]):
        response = client.post(url, {"reason": "abuse"}, REMOTE_ADDR=address)
        assert response.status_code == 200
        comment.refresh_from_db()
        if n < 3:
            assert comment.status == "approved"  # the same reader twice counts once
    assert comment.status == "held" and "reports" in comment.reasons
    assert Report.objects.filter(comment=comment).count() == 3
    assert ModerationLog.objects.filter(comment=comment, action="held").exists()
    assert client.post(url, {"reason": "abuse"}).status_code == 404  # held: no longer reportable


def test_the_rate_limit_per_address_answers_429(client, article, comment_settings):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "rate_ip": "2/hour"}
    assert post(client, article, email="a@example.com").status_code == 200
    assert post(client, article, email="b@example.com").status_code == 200
    refused = post(client, article, email="c@example.com")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Quá nhiều bình luận" in refused.content.decode()
    assert Comment.objects.count() == 2
    other = Client().post(
        f"/vi/comments/article/{article.pk}/new/",
        {**_data(article), "email": "d@example.com"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 200


def test_the_rate_limit_per_email_answers_429(client, article, comment_settings):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "rate_email": "1/hour"}
    assert post(client, article).status_code == 200
    second = Client().post(
        f"/vi/comments/article/{article.pk}/new/", _data(article), REMOTE_ADDR="198.51.100.9"
    )
    assert second.status_code == 429


def test_approving_publishes_on_every_language_version(client, article):
    newcomer = Commenter.objects.create(name="Hoa", email="hoa@example.com")
    comment = Comment.objects.create(
        article=article, language="en", commenter=newcomer, name="Hoa", body="Held one", status="held"
    )
    other = make_article()
    assert "Held one" not in client.get(f"/en/{_path(article, 'en')}").content.decode()
    moderation.moderate([comment], "approved", None)
    assert "Held one" in client.get(f"/en/{_path(article, 'en')}").content.decode()
    assert "Held one" in client.get(f"/vi/{_path(article, 'vi')}").content.decode()
    assert "Held one" not in client.get(f"/vi/{_path(other, 'vi')}").content.decode()


def _data(article):
    from comments_support import form_data

    return form_data(article)


def _path(article, language):
    from comments_support import page_url

    return page_url(article, language).split("/", 2)[2]

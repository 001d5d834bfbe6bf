"""Posting a comment: the form, email confirmation, accounts, replies, the block on the page, closing."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from bs4 import BeautifulSoup
from comments_support import (
    approved_commenter,
    confirm_link,
    form_data,
    form_url,
    make_article,
    page_url,
    post,
)
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from kabar.comments.forms import form_stamp
from kabar.comments.models import Comment, SectionPolicy

pytestmark = pytest.mark.django_db


def test_a_comment_waits_for_its_email_then_is_published(client, article, mailoutbox, comment_settings):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "hold_new": 0}
    form = client.get(form_url(article))
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    assert "no-cache" in form["Cache-Control"] or "private" in form["Cache-Control"]
    sent = post(client, article)
    assert sent.status_code == 200
    comment = Comment.objects.get()
    assert comment.status == "unconfirmed" and comment.language == "vi" and comment.ip == "203.0.113.7"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["lan@example.com"]
    link = confirm_link(mailoutbox[0])
    shown = client.get(link)  # opening the link (a mail scanner would too) confirms nothing
    assert shown.status_code == 200 and Comment.objects.get().status == "unconfirmed"
    confirmed = client.post(link)
    assert confirmed.status_code == 200
    assert Comment.objects.get().status == "approved"
    assert "kabar_commenter" in confirmed.cookies
    page = client.get(page_url(article)).content.decode()
    assert "Bình luận (1)" in page and "Bài viết hay." in page


def test_a_confirmed_browser_needs_no_new_mail_but_another_browser_does(
    client, article, mailoutbox, comment_settings
):
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "hold_new": 0}
    post(client, article)
    client.post(confirm_link(mailoutbox[0]))
    post(client, article, body="Thêm một ý.")
    assert Comment.objects.order_by("-pk").first().status == "approved"
    assert len(mailoutbox) == 1
    post(Client(), article, body="Tôi là Lan (không phải).")
    assert Comment.objects.order_by("-pk").first().status == "unconfirmed"
    assert len(mailoutbox) == 2


def test_a_bad_confirmation_link_says_so(client):
    response = client.get("/vi/comments/confirm/not-a-token/")
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


def test_a_signed_in_reader_needs_no_name_email_or_mail(client, article, mailoutbox):
    user = get_user_model().objects.create_user("hoa", email="hoa@example.com", first_name="Hoa")
    approved_commenter("hoa-old@example.com")
    client.force_login(user)
    form = client.get(form_url(article)).content.decode()
    assert 'name="email"' not in form
    response = client.post(form_url(article), form_data(article, name="", email=""))
    assert response.status_code == 200
    comment = Comment.objects.get(commenter__user=user)
    assert comment.name == "Hoa" and comment.status == "held"  # a new commenter: held once
    assert mailoutbox == []


def test_one_reply_level(client, article):
    trusted = approved_commenter(article=article)
    first = trusted.comments.first()
    reply = Comment.objects.create(
        article=article,
        language="vi",
        commenter=trusted,
        name="Minh",
        body="Trả lời",
        status="approved",
        parent=first,
    )
    assert client.get(form_url(article) + f"?reply={reply.pk}").status_code == 200
    post(client, article, parent=str(reply.pk), body="Trả lời của trả lời")
    assert Comment.objects.get(body="Trả lời của trả lời").parent == first


def test_the_page_shows_the_readers_language_first_and_the_others_folded(client, article):
    trusted = approved_commenter(article=article, count=0)
    for language, body in (
        ("vi", "Ý kiến tiếng Việt"),
        ("en", "An English comment"),
        ("id", "Komentar bahasa"),
    ):
        Comment.objects.create(
            article=article, language=language, commenter=trusted, name="Minh", body=body, status="approved"
        )
    soup = BeautifulSoup(client.get(page_url(article)).content, "html.parser")
    block = soup.find("section", id="comments")
    assert block.h2.get_text() == "Bình luận (3)"
    details = block.find("details")
    assert "2 bình luận bằng ngôn ngữ khác" in details.summary.get_text()
    assert "Ý kiến tiếng Việt" not in details.get_text() and "An English comment" in details.get_text()
    assert details.find("a", string="Dịch")
    english = BeautifulSoup(client.get(page_url(article, "en")).content, "html.parser")
    assert english.find("section", id="comments").h2.get_text() == "Comments (3)"
    indonesian = BeautifulSoup(client.get(page_url(article, "id")).content, "html.parser")
    assert indonesian.find("section", id="comments").h2.get_text() == "Komentar (3)"
    assert "2 komentar dalam bahasa lain" in indonesian.find("details").summary.get_text()
    with_id = client.get(f"/id/comments/article/{article.pk}/new/").content.decode()
    assert "Tulis komentar" in with_id


def test_no_box_when_comments_are_off(client, article, comment_settings):
    SectionPolicy.objects.create(section=article.section, moderation="off")
    page = client.get(page_url(article)).content.decode()
    assert 'id="comments"' not in page
    assert post(client, article).status_code == 403


def test_comments_close_after_the_sections_days(client, comment_settings):
    old = make_article(published_at=timezone.now() - dt.timedelta(days=10))
    SectionPolicy.objects.create(section=old.section, close_after_days=7)
    assert 'id="comments"' not in client.get(page_url(old)).content.decode()  # closed and empty: no box
    assert client.get(form_url(old)).status_code == 403
    assert post(client, old).status_code == 403
    approved_commenter(article=old, count=1)
    page = client.get(page_url(old)).content.decode()
    assert "Bình luận đã đóng." in page and "Viết bình luận" not in page
    comment_settings.COMMENTS = {**comment_settings.COMMENTS, "close_days": 30}
    fresh = make_article(published_at=timezone.now() - dt.timedelta(days=10))
    assert client.get(form_url(fresh)).status_code == 200  # the site's 30 days


def test_the_honeypot_and_the_time_on_the_form(client, article):
    assert post(client, article, website="http://spam.example").status_code == 400
    quick = post(client, article, started=form_stamp(article.pk, now=time.time()))
    assert quick.status_code == 400 and "nhanh" in quick.content.decode()
    other = post(client, article, started=form_stamp(article.pk + 1, now=time.time() - 60))
    assert other.status_code == 400
    forged = post(client, article, started="x" + form_data(article)["started"])
    assert forged.status_code == 400
    assert not Comment.objects.exists()


def test_csrf_is_checked(article):
    client = Client(enforce_csrf_checks=True)
    data = form_data(article)
    assert client.post(form_url(article), data).status_code == 403
    page = BeautifulSoup(client.get(form_url(article)).content, "html.parser")
    data["csrfmiddlewaretoken"] = page.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    assert client.post(form_url(article), data).status_code == 200
    assert Comment.objects.count() == 1

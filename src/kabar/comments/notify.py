"""Email confirmation: a signed link in a mail (Django's mail framework), and the browser it vouches for.

A comment sent with a name and an email address waits (``unconfirmed``) until the link in the
mail is followed and its button pressed (a POST: mail scanners that open links confirm
nothing). Confirming also gives that browser a signed cookie naming the commenter, so its
next comments under the same address need no new mail; anyone else typing that address
still has to confirm it. SMTP or files: ``KABAR_EMAIL_*``.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kabar.comments.models import Comment, Commenter

CONFIRM_SALT = "kabar.comments.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600
COOKIE = "kabar_commenter"
COOKIE_SALT = "kabar.comments.browser"
COOKIE_MAX_AGE = 365 * 24 * 3600


def confirm_token(comment: Comment) -> str:
    return signing.dumps({"comment": comment.pk}, salt=CONFIRM_SALT)


def comment_for_token(token: str) -> Comment | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    pk = data.get("comment") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        return None
    return Comment.objects.select_related("commenter", "article").filter(pk=pk).first()


def send_confirmation(comment: Comment) -> None:
    with translation.override(comment.language):
        link = settings.SITE_URL + reverse("comments:confirm", kwargs={"token": confirm_token(comment)})
        context = {"comment": comment, "link": link, "days": CONFIRM_MAX_AGE // 86400}
        send_mail(
            gettext("Confirm your comment"),
            render_to_string("comments/email/confirm.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [comment.commenter.email],
        )


def vouched_commenter(request: HttpRequest) -> int | None:
    """The commenter this browser confirmed earlier (the signed cookie), if any."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    return int(value) if value and value.isdigit() else None


def vouch(response: HttpResponse, commenter: Commenter) -> None:
    response.set_signed_cookie(
        COOKIE,
        str(commenter.pk),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )

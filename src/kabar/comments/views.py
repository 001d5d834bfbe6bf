"""The comment pages: write, confirm, report, translate. None is kept by the page cache.

The article page itself stays a shared, cached page without cookies: it shows the approved
comments and links here, and these pages carry the per-reader CSRF token the forms need.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kabar.comments import moderation, notify, ratelimit
from kabar.comments.forms import CommentForm, ReportForm, form_stamp
from kabar.comments.models import Comment, Commenter, Report
from kabar.comments.policy import article_policy, option
from kabar.comments.thread import comment_url
from kabar.comments.translate import TRANSLATE_RATE, is_stored, translated
from kabar.conf.security import client_ip
from kabar.news.models import Article, ArticleText
from kabar.site.languages import endonym, name_in_sentence

Status = Comment.Status
log = logging.getLogger("kabar.comments")


def _page_text(article: Article) -> ArticleText | None:
    """The version of the article to name on these pages: the reader's language, else any."""
    texts = ArticleText.objects.filter(article=article, is_published=True)
    return texts.filter(language=translation.get_language()).first() or texts.order_by("pk").first()


def _published_article(pk: int) -> tuple[Article, ArticleText]:
    article = get_object_or_404(Article, pk=pk)
    text = _page_text(article)
    if text is None:
        raise Http404("No published text for this article.")
    return article, text


def _refused(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    response = render(request, "comments/message.html", {"message": message, **extra}, status=status)
    return response


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "comments/429.html", {"minutes": max(1, round(wait / 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _parent(article: Article, pk: Any) -> Comment | None:
    try:
        pk = int(str(pk or "").strip() or 0)
    except ValueError:  # ?reply=abc: no parent, not a 500
        return None
    if not 0 < pk < 2**63:
        return None
    found = Comment.objects.filter(pk=pk, article=article, status=Status.APPROVED).first()
    if found is not None and found.parent_id:  # one reply level
        found = found.parent
    return found


def _form_page(
    request: HttpRequest, article: Article, text: ArticleText, form: CommentForm, status: int = 200
) -> HttpResponse:
    parent = _parent(article, form["parent"].value() or request.GET.get("reply"))
    context = {"form": form, "text": text, "parent": parent, "stamp": form_stamp(article.pk)}
    return render(request, "comments/form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_comment(request: HttpRequest, article: int) -> HttpResponse:
    found, text = _published_article(article)
    policy = article_policy(found)
    if not policy.is_open():
        return _refused(request, "closed", 403, text=text)
    signed_in = request.user.is_authenticated
    if request.method != "POST":
        initial = {"language": translation.get_language(), "parent": request.GET.get("reply")}
        form = CommentForm(initial=initial, article_id=found.pk, signed_in=signed_in)
        return _form_page(request, found, text, form)
    form = CommentForm(request.POST, article_id=found.pk, signed_in=signed_in)
    if form.robot:
        return _refused(request, "refused", 400, text=text)
    ip = ratelimit.valid_ip(client_ip(request))
    wait = ratelimit.hit("ip", ratelimit.client_key(ip), option("rate_ip"))
    if wait:
        return _too_many(request, wait)
    if not form.is_valid():
        return _form_page(request, found, text, form, status=400)
    data = form.cleaned_data
    email = (request.user.email if signed_in else data["email"]).lower()  # type: ignore[union-attr]
    if moderation.is_banned(email, ip):
        return _refused(request, "banned", 403, text=text)
    counted = moderation.canonical_email(email) if email else f"user:{request.user.pk}"
    wait = ratelimit.hit("email", counted, option("rate_email"))
    if wait:
        return _too_many(request, wait)
    with transaction.atomic():
        commenter, vouched = _commenter(request, data)
        comment = Comment.objects.create(
            article=found,
            language=data["language"],
            commenter=commenter,
            parent=_parent(found, data.get("parent")),
            name=commenter.name if signed_in else data["name"],
            body=data["body"],
            status=Status.UNCONFIRMED,
            ip=ip,
        )
        outcome = moderation.settle(comment, policy.moderation).status if vouched else Status.UNCONFIRMED
    if outcome == Status.UNCONFIRMED:
        try:
            notify.send_confirmation(comment)
        except OSError as exc:  # SMTP down: the comment stays unconfirmed, the reader is told
            log.error("confirmation mail for comment %s not sent: %s", comment.pk, exc)
            outcome = "mail-failed"
    return _outcome_page(request, comment, outcome)


def _commenter(request: HttpRequest, data: dict[str, Any]) -> tuple[Commenter, bool]:
    """Who writes, and whether they are known already (an account, or this browser confirmed them)."""
    user = request.user
    if user.is_authenticated:
        name = (" ".join((user.get_full_name() or user.get_username()).split()))[:80]
        commenter, _ = Commenter.objects.get_or_create(
            user=user,
            defaults={"name": name, "email": user.email, "confirmed_at": timezone.now()},
        )
        return commenter, True
    # get_or_create, not a look-up then a create: two first comments sent at once with one address
    # meet the one-commenter-per-email constraint, and get_or_create reads the winner's row back.
    known, created = Commenter.objects.get_or_create(
        user=None, email=data["email"], defaults={"name": data["name"]}
    )
    if created:
        return known, False
    vouched = known.confirmed_at is not None and notify.vouched_commenter(request) == known.pk
    return known, vouched


def _outcome_page(request: HttpRequest, comment: Comment, outcome: str) -> HttpResponse:
    context = {"comment": comment, "outcome": outcome, "url": comment_url(comment)}
    return render(request, "comments/sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    comment = notify.comment_for_token(token)
    if comment is None:
        return _refused(request, "bad-link", 400)
    if request.method != "POST" or comment.status != Status.UNCONFIRMED:
        return render(request, "comments/confirm.html", {"comment": comment, "url": comment_url(comment)})
    # Banned, or comments closed, since the comment was written: the link publishes nothing.
    if moderation.is_banned(comment.commenter.email, comment.ip):
        return _refused(request, "banned", 403, url=comment_url(comment))
    policy = article_policy(comment.article)
    if not policy.is_open():
        return _refused(request, "closed", 403, url=comment_url(comment))
    with transaction.atomic():
        commenter = comment.commenter
        commenter.confirmed_at = commenter.confirmed_at or timezone.now()
        commenter.name = comment.name
        commenter.save(update_fields=["confirmed_at", "name"])
        outcome = moderation.settle(comment, policy.moderation).status
    response = _outcome_page(request, comment, outcome)
    notify.vouch(response, commenter)
    return response


def _shown_comment(pk: int) -> Comment:
    """An approved comment of an article that is still published (else 404)."""
    found = get_object_or_404(Comment, pk=pk, status=Status.APPROVED)
    if not comment_url(found):
        raise Http404("The comment's article is not published.")
    return found


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, comment: int) -> HttpResponse:
    found = _shown_comment(comment)
    if request.method != "POST":
        return render(request, "comments/report.html", {"comment": found, "form": ReportForm()})
    form = ReportForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/report.html", {"comment": found, "form": form}, status=400)
    ip = ratelimit.client_key(client_ip(request))
    wait = ratelimit.hit("report", ip, option("rate_ip"))
    if wait:
        return _too_many(request, wait)
    with transaction.atomic():
        _, created = Report.objects.get_or_create(
            comment=found,
            reporter=ratelimit.digest(f"report:{ip}"),
            defaults={"reason": form.cleaned_data["reason"], "note": form.cleaned_data["note"]},
        )
        if created:
            moderation.reported(found)
    return _refused(request, "reported", 200, url=comment_url(found))


@require_http_methods(["GET", "HEAD"])
def translate(request: HttpRequest, comment: int) -> HttpResponse:
    found = _shown_comment(comment)
    target = translation.get_language()
    url = comment_url(found)
    if found.language == target:
        return HttpResponseRedirect(url or "/")
    if not is_stored(found, target):  # only a new translation costs engine time: counted per client
        wait = ratelimit.hit("translate", ratelimit.client_key(client_ip(request)), TRANSLATE_RATE)
        if wait:
            return _too_many(request, wait)
    result = translated(found, target)
    context = {
        "comment": found,
        "result": result,
        "url": url,
        "source_name": name_in_sentence(found.language),
        "target_name": name_in_sentence(target),
        "source_endonym": endonym(found.language),
    }
    return render(
        request, "comments/translate.html", context, status=503 if result.problem == "failed" else 200
    )

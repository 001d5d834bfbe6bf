"""The moderation rules (Coral-style, no cloud service) and every change of a comment's status.

A new comment is *rejected* when it has a banned word; *held* for a moderator when the site or
section pre-moderates, the commenter is new (fewer than ``KABAR_COMMENTS_HOLD_NEW`` approved
comments), it has a suspect word, it has a link and its writer is not yet trusted
(``KABAR_COMMENTS_TRUSTED_AFTER``), or its writer's rejection rate is high; otherwise it is
*approved* at once. A published comment goes back to the queue after
``KABAR_COMMENTS_REPORTS_HOLD`` reports. Every decision, the rules' and the moderators', is
written to ``ModerationLog``, and the article's comment block is refreshed after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kabar.comments import text
from kabar.comments.cache import bump_comments
from kabar.comments.models import Ban, Comment, Commenter, ModerationLog, WordRule
from kabar.comments.policy import PRE, option

Status = Comment.Status
Action = ModerationLog.Action

# Why a comment was held or rejected: what moderators read in the queue and the log.
REASONS: dict[str, Any] = {
    "pre_moderation": _("pre-moderated section or site"),
    "new_commenter": _("new commenter"),
    "suspect_word": _("suspect word"),
    "banned_word": _("banned word"),
    "link": _("link from a commenter not yet trusted"),
    "rejection_rate": _("many of this commenter's comments were rejected"),
    "reports": _("reported by readers"),
    # moderators' reasons (the admin's action bar)
    "abuse": _("abusive or hateful"),
    "spam": _("spam or advertising"),
    "off_topic": _("off topic"),
    "personal": _("personal information"),
    "other": _("other"),
}
MODERATOR_REASONS = ("abuse", "spam", "off_topic", "personal", "other")
MIN_DECIDED_FOR_RATE = 3


def reason_labels(codes: Iterable[str]) -> str:
    """The reasons in words for the log, in the site's language (whoever reads the log later)."""
    with translation.override(settings.LANGUAGE_CODE):
        return ", ".join(str(REASONS.get(code, code)) for code in codes)


@dataclass(frozen=True)
class Decision:
    status: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    approved: int
    rejected: int


def record(commenter: Commenter) -> Record:
    counts = commenter.comments.aggregate(
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        rejected=Count("pk", filter=Q(status__in=[Status.REJECTED, Status.SPAM])),
    )
    return Record(counts["approved"], counts["rejected"])


def is_banned(email: str, ip: str | None) -> bool:
    wanted = Q(kind=Ban.Kind.EMAIL, value=email.lower()) if email else Q(pk__in=[])
    if ip:
        wanted |= Q(kind=Ban.Kind.IP, value=ip)
    return Ban.objects.filter(wanted).exists()


def decide(commenter: Commenter, body: str, moderation: str) -> Decision:
    """What the rules make of a new comment (see the module docstring)."""
    banned = WordRule.objects.filter(kind=WordRule.Kind.BANNED).values_list("word", flat=True)
    if text.listed_words(body, banned):
        return Decision(Status.REJECTED, ("banned_word",))
    past = record(commenter)
    reasons = []
    if moderation == PRE:
        reasons.append("pre_moderation")
    if past.approved < option("hold_new"):
        reasons.append("new_commenter")
    suspect = WordRule.objects.filter(kind=WordRule.Kind.SUSPECT).values_list("word", flat=True)
    if text.listed_words(body, suspect):
        reasons.append("suspect_word")
    if text.has_link(body) and past.approved < option("trusted_after"):
        reasons.append("link")
    decided = past.approved + past.rejected
    if decided >= MIN_DECIDED_FOR_RATE and past.rejected / decided > option("rejection_rate"):
        reasons.append("rejection_rate")
    return Decision(Status.HELD if reasons else Status.APPROVED, tuple(reasons))


def settle(comment: Comment, moderation: str) -> Decision:
    """Apply the rules to a comment whose writer is known (confirmed email or account)."""
    decision = decide(comment.commenter, comment.body, moderation)
    comment.status = decision.status
    comment.reasons = list(decision.reasons)
    if decision.status == Status.REJECTED:
        comment.decided_at = timezone.now()
    comment.save(update_fields=["status", "reasons", "decided_at"])
    if decision.status != Status.APPROVED:
        action = Action.REJECTED if decision.status == Status.REJECTED else Action.HELD
        ModerationLog.objects.create(action=action, comment=comment, reason=reason_labels(decision.reasons))
    if decision.status == Status.APPROVED:
        bump_comments([comment.article_id])
    return decision


_ACTION_STATUS = {
    Action.APPROVED: Status.APPROVED,
    Action.REJECTED: Status.REJECTED,
    Action.SPAM: Status.SPAM,
}


def moderate(comments: Iterable[Comment], action: str, actor: Any, reason: str = "", note: str = "") -> int:
    """A moderator approves, rejects or marks comments as spam; logged, pages refreshed; how many."""
    status = _ACTION_STATUS[Action(action)]
    now = timezone.now()
    words = ", ".join(part for part in (reason_labels([reason]) if reason else "", note) if part)
    changed = 0
    articles = set()
    with transaction.atomic():
        for comment in comments:
            comment.status = status
            comment.decided_at, comment.decided_by = now, actor
            if reason and status != Status.APPROVED:
                comment.reasons = [reason]
            comment.save(update_fields=["status", "decided_at", "decided_by", "reasons"])
            ModerationLog.objects.create(action=action, comment=comment, actor=actor, reason=words)
            articles.add(comment.article_id)
            changed += 1
        bump_comments(articles)
    return changed


def ban(comments: Iterable[Comment], kind: str, actor: Any, reason: str = "") -> int:
    """Ban the writers' email addresses (or the comments' IP addresses); their comments are rejected."""
    values = set()
    chosen = list(comments)
    for comment in chosen:
        value = comment.commenter.email.lower() if kind == Ban.Kind.EMAIL else comment.ip
        if value:
            values.add(value)
    action = Action.BANNED_EMAIL if kind == Ban.Kind.EMAIL else Action.BANNED_IP
    words = reason_labels([reason]) if reason else ""
    with transaction.atomic():
        for value in sorted(values):
            Ban.objects.get_or_create(kind=kind, value=value, defaults={"reason": words, "created_by": actor})
        for comment in chosen:
            ModerationLog.objects.create(action=action, comment=comment, actor=actor, reason=words)
        moderate([c for c in chosen if c.status != Status.REJECTED], Action.REJECTED, actor, reason)
    return len(values)


def reported(comment: Comment) -> None:
    """One more reader's report (stored by the caller); enough of them hold the comment again."""
    Comment.objects.filter(pk=comment.pk).update(reports=F("reports") + 1)
    comment.refresh_from_db(fields=["reports", "status"])
    ModerationLog.objects.create(action=Action.REPORTED, comment=comment)
    if comment.status == Status.APPROVED and comment.reports >= option("reports_hold"):
        comment.status = Status.HELD
        comment.reasons = [*comment.reasons, "reports"]
        comment.save(update_fields=["status", "reasons"])
        ModerationLog.objects.create(action=Action.HELD, comment=comment, reason=reason_labels(["reports"]))
        bump_comments([comment.article_id])

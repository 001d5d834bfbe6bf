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

import contextlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
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


GMAIL_DOMAINS = ("gmail.com", "googlemail.com")


def canonical_email(email: str) -> str:
    """One mailbox, one value: case, ``+tags``, a trailing dot, IDN spellings and Gmail's dots folded."""
    local, _, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    with contextlib.suppress(UnicodeError):  # not a name IDNA can spell: compared as written
        domain = domain.encode("idna").decode("ascii")
    if not local:
        return domain
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def is_banned(email: str, ip: str | None) -> bool:
    values = {email.lower(), canonical_email(email)}
    wanted = Q(kind=Ban.Kind.EMAIL, value__in=values) if email else Q(pk__in=[])
    if ip:
        wanted |= Q(kind=Ban.Kind.IP, value=ip)
    if Ban.objects.filter(wanted).exists():
        return True
    return bool(ip) and _in_banned_network(str(ip))


def _in_banned_network(ip: str) -> bool:
    """Whether ``ip`` lies in a network an IP ban names (bans are few: they are read and compared here)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for value in Ban.objects.filter(kind=Ban.Kind.IP, value__contains="/").values_list("value", flat=True):
        with contextlib.suppress(ValueError):  # a row written before values were checked
            if address in ipaddress.ip_network(value, strict=False):
                return True
    return False


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
    # The name is shown too: its words are checked and its links count like the body's.
    decision = decide(comment.commenter, f"{comment.name}\n{comment.body}", moderation)
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


BATCH = 500  # comments per UPDATE and per bulk insert of log entries


def _rows(comments: Iterable[Comment]) -> list[tuple[int, int]]:
    """(pk, article id) of the chosen comments; a queryset is read as two columns, not as objects."""
    if isinstance(comments, QuerySet):
        return list(comments.order_by().values_list("pk", "article_id"))
    return [(c.pk, c.article_id) for c in comments]


def _log(rows: list[tuple[int, int]], action: str, actor: Any, words: str) -> None:
    ModerationLog.objects.bulk_create(
        [ModerationLog(action=action, comment_id=pk, actor=actor, reason=words) for pk, _ in rows],
        batch_size=BATCH,
    )


def moderate(comments: Iterable[Comment], action: str, actor: Any, reason: str = "", note: str = "") -> int:
    """A moderator approves, rejects or marks comments as spam; logged, pages refreshed; how many.

    In batches (an admin action on "all 20 000 matching" is a few queries per 500 comments).
    """
    status = _ACTION_STATUS[Action(action)]
    now = timezone.now()
    words = ", ".join(part for part in (reason_labels([reason]) if reason else "", note) if part)
    changes: dict[str, Any] = {"status": status, "decided_at": now, "decided_by": actor}
    if reason and status != Status.APPROVED:
        changes["reasons"] = [reason]
    if not isinstance(comments, QuerySet):
        comments = list(comments)
        for comment in comments:  # the caller's objects show the decision too
            for name, value in changes.items():
                setattr(comment, name, value)
    rows = _rows(comments)
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            Comment.objects.filter(pk__in=[pk for pk, _ in batch]).update(**changes)
            _log(batch, action, actor, words)
        bump_comments({article for _, article in rows})
    return len(rows)


def ban(comments: Iterable[Comment], kind: str, actor: Any, reason: str = "") -> int:
    """Ban the writers' email addresses (or the comments' IP addresses); their comments are rejected."""
    if isinstance(comments, QuerySet):
        column = "commenter__email" if kind == Ban.Kind.EMAIL else "ip"
        found = set(comments.order_by().values_list(column, flat=True).distinct())
        remaining: Iterable[Comment] = comments.exclude(status=Status.REJECTED)
    else:
        chosen = list(comments)
        comments = chosen  # read once: the log below reads it again
        found = {c.commenter.email if kind == Ban.Kind.EMAIL else c.ip for c in chosen}
        remaining = [c for c in chosen if c.status != Status.REJECTED]
    values = {(canonical_email(v) if kind == Ban.Kind.EMAIL else v) for v in found if v}
    action = Action.BANNED_EMAIL if kind == Ban.Kind.EMAIL else Action.BANNED_IP
    words = reason_labels([reason]) if reason else ""
    with transaction.atomic():
        for value in sorted(values):
            Ban.objects.get_or_create(kind=kind, value=value, defaults={"reason": words, "created_by": actor})
        _log(_rows(comments), action, actor, words)
        moderate(remaining, Action.REJECTED, actor, reason)
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

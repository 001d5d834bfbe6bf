"""What the comments app keeps: commenters, comments, reports, bans, word lists, policies, the log.

A thread belongs to an ``Article`` (not to one of its texts), so readers of every language
version share it; each comment records the language it is written in.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabar.news.models import Article, Section


class Commenter(models.Model):
    """Who wrote a comment: a name and a confirmed email address, or a reader's account."""

    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commenter",
        verbose_name=_("account"),
    )
    confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("first comment"), default=timezone.now)

    class Meta:
        verbose_name = _("commenter")
        verbose_name_plural = _("commenters")
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(user__isnull=True) & ~Q(email=""),
                name="comments_commenter_one_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class Comment(models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("waiting for email confirmation")
        HELD = "held", _("held for moderation")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SPAM = "spam", _("spam")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=12)
    commenter = models.ForeignKey(
        Commenter, on_delete=models.CASCADE, related_name="comments", verbose_name=_("commenter")
    )
    # One reply level: a reply to a reply is stored as a reply to the thread's first comment.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    name = models.CharField(_("name shown"), max_length=80)
    body = models.TextField(_("comment"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    # Codes from kabar.comments.moderation.REASONS: why it was held or rejected.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reports = models.PositiveIntegerField(_("reports"), default=0)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status"], name="comments_article_status")]

    def __str__(self) -> str:
        return f"{self.name}: {self.body[:60]}"

    def get_absolute_url(self) -> str:
        from kabar.comments.thread import comment_url

        return comment_url(self)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or hateful")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="report_set", verbose_name=_("comment")
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A keyed digest of the reporter's address: one report per reader and comment, no address kept.
    reporter = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="comments_report_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.comment_id}"


class Ban(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("email address")
        IP = "ip", _("IP address")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=254)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("banned by"),
    )
    created_at = models.DateTimeField(_("banned"), default=timezone.now)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="comments_ban_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        # An IP ban is one address or a network ("203.0.113.0/24", "2001:db8::/48"): an abuser's
        # provider hands out a new address each time, so a ban of one address is easily stepped round.
        if self.kind == self.Kind.IP:
            self.value = normal_ip_ban(self.value)


def normal_ip_ban(value: str) -> str:
    """``value`` as an IP ban stores it: an address, or a network in its shortest form."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValidationError(
            {"value": _("Enter an IP address or a network such as 203.0.113.0/24 or 2001:db8::/48.")}
        ) from None
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


class WordRule(models.Model):
    """A word or phrase, matched without diacritics and with đ as d (``kabar.comments.text``)."""

    class Kind(models.TextChoices):
        BANNED = "banned", _("banned: the comment is rejected")
        SUSPECT = "suspect", _("suspect: the comment is held")

    word = models.CharField(_("word or phrase"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)

    class Meta:
        verbose_name = _("word rule")
        verbose_name_plural = _("word rules")
        ordering = ["kind", "word"]

    def __str__(self) -> str:
        return self.word


class SectionPolicy(models.Model):
    """A section's own moderation and closing; anything left empty follows the site settings."""

    class Moderation(models.TextChoices):
        SITE = "", _("as the site (KABAR_COMMENTS)")
        PRE = "pre", _("pre-moderation: every comment waits for a moderator")
        POST = "post", _("post-moderation: published unless a rule holds it")
        OFF = "off", _("no comments")

    section = models.OneToOneField(
        Section, on_delete=models.CASCADE, related_name="comment_policy", verbose_name=_("section")
    )
    moderation = models.CharField(
        _("moderation"), max_length=4, choices=Moderation.choices, blank=True, default=""
    )
    close_after_days = models.PositiveIntegerField(
        _("close after days"),
        null=True,
        blank=True,
        help_text=_("Days after publication that comments stay open; 0: never closed; empty: as the site."),
    )

    class Meta:
        verbose_name = _("section policy")
        verbose_name_plural = _("section policies")

    def __str__(self) -> str:
        return str(self.section)


class ModerationLog(models.Model):
    class Action(models.TextChoices):
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SPAM = "spam", _("marked as spam")
        HELD = "held", _("held")
        BANNED_EMAIL = "ban_email", _("email address banned")
        BANNED_IP = "ban_ip", _("IP address banned")
        REPORTED = "reported", _("reported by a reader")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log",
        verbose_name=_("comment"),
    )
    # None: kabar's rules decided (a held or rejected new comment, a report threshold).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderator"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.comment_id or ''}".strip()


class CommentTranslation(models.Model):
    """A machine translation of a comment, made once when a reader first asks for it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=12)
    body = models.TextField()
    route = models.CharField(max_length=500)  # RoutePlan.description: engines and model versions
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment translation")
        verbose_name_plural = _("comment translations")
        constraints = [
            models.UniqueConstraint(fields=["comment", "language"], name="comments_translation_once")
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} → {self.language}"

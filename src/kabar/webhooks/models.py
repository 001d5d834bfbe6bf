"""Webhook subscriptions, the log of their deliveries, and what was last announced of each text.

A subscription's secret is kept as the ``whsec_…`` string itself: signing needs it, so it
cannot be hashed like a password. It is shown once (at creation or rotation) and never again
in full; the admin shows a short fingerprint to tell secrets apart.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabar.api.models import Scope
from kabar.news.private_access import PrivateAccessApproval
from kabar.webhooks.signing import new_secret, secret_fingerprint

log = logging.getLogger("kabar.webhooks")


class EventType(models.TextChoices):
    ARTICLE_PUBLISHED = "article.published", "article.published"
    ARTICLE_UPDATED = "article.updated", "article.updated"
    TRANSLATION_PUBLISHED = "translation.published", "translation.published"
    ARTICLE_UNPUBLISHED = "article.unpublished", "article.unpublished"


EVENT_TYPES: tuple[str, ...] = tuple(EventType.values)

# How long the secret before a rotation still signs deliveries, so receivers can switch over.
ROTATION_GRACE = dt.timedelta(hours=24)


def all_events() -> list[str]:
    return list(EVENT_TYPES)


class Subscription(PrivateAccessApproval, models.Model):
    """A receiver's URL and the events it wants, with the secret deliveries are signed with."""

    name = models.CharField(
        max_length=200, help_text=_("Who receives, e.g. “Partner app (staging)”."), verbose_name=_("name")
    )
    url = models.URLField(
        max_length=1000,
        help_text=_("An https:// (or http://) URL on a public address."),
        verbose_name=_("URL"),
    )
    events = models.JSONField(
        default=all_events, help_text=_("Event types delivered to this URL."), verbose_name=_("events")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who made it in the admin."),
        verbose_name=_("owner"),
    )
    api_key = models.ForeignKey(
        "api.ApiKey",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        editable=False,
        help_text=_("The API key that made it through /api/v1/webhooks/ (deleted with the key)."),
        verbose_name=_("API key"),
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False, verbose_name=_("secret"))
    previous_secret = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("previous secret")
    )
    previous_secret_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("previous secret expires at")
    )
    disabled_reason = models.CharField(
        max_length=300, blank=True, editable=False, verbose_name=_("disabled reason")
    )
    # Private access, with the same rule as ``news.Source``: ticking ``allow_private`` is not
    # enough; a superuser (admin) or the operator (shell, tests) approves exactly this URL, and
    # the approval lapses when the URL or the approver changes.
    allow_private = models.BooleanField(
        default=False,
        help_text=_("Allow delivering to loopback/private addresses (off except for local test receivers)."),
        verbose_name=_("allow private"),
    )
    private_access_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("private access approved by"),
    )
    private_access_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("private access approved at")
    )
    private_access_target = models.CharField(
        max_length=1100, blank=True, editable=False, verbose_name=_("private access target")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in (self.events or []) and self.key_problem() is None

    def key_problem(self, now: dt.datetime | None = None) -> str | None:
        """Why the API key that made this subscription no longer lets it receive, or None.

        The same tests the API makes before it lets the key manage webhooks (revoked, expired,
        owner deactivated, the scope taken away): a partner whose access ended receives nothing.
        """
        if self.api_key_id is None or self.api_key is None:
            return None
        problem = self.api_key.problem(now)
        if problem is None and not self.api_key.owner.is_active:
            problem = "the owner of this API key is no longer active"
        if problem is None and not self.api_key.has_scope(Scope.WEBHOOKS):
            problem = f"this API key no longer has the “{Scope.WEBHOOKS}” scope"
        return problem

    # Secrets.

    def signing_secrets(self, now: dt.datetime | None = None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous during its grace."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets

    def rotate_secret(self, grace: dt.timedelta = ROTATION_GRACE) -> str:
        """Make a new secret (returned, not saved); the old one keeps signing for ``grace``."""
        self.previous_secret = self.secret
        self.previous_secret_expires_at = timezone.now() + grace
        self.secret = new_secret()
        return self.secret

    @property
    def secret_hint(self) -> str:
        return secret_fingerprint(self.secret)

    # Private access: the same rule as for fetch sources (kabar.news.private_access).
    private_access_noun = "webhook subscription"
    private_access_changed = "the URL (or who approved it) changed since private access was approved"
    private_access_log = log

    def private_access_fingerprint(self, approver_id: int | None) -> str:
        return f"webhook by={self.approver_label(approver_id)} {self.url}"


class Delivery(models.Model):
    """One event for one subscription: every attempt updates this row (the log the admin shows)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event_id = models.CharField(
        max_length=40,
        db_index=True,
        help_text=_("The webhook-id header (msg_…)."),
        verbose_name=_("event ID"),
    )
    event_type = models.CharField(max_length=40, choices=EventType.choices, verbose_name=_("event type"))
    payload = models.JSONField(verbose_name=_("payload"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt"))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("next attempt")
    )
    response_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("response code"))
    response_excerpt = models.TextField(blank=True, verbose_name=_("response excerpt"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered"))
    # The queued task that may make the next attempt carries this; a redelivery issues a new one,
    # so a retry queued before it finds its ticket stale and does nothing (no two retry chains).
    ticket = models.CharField(max_length=32, blank=True, editable=False, verbose_name=_("ticket"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="one_delivery_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"


class AnnouncedText(models.Model):
    """What subscribers were last told about one language version of an article.

    Events are the differences between this record and the texts as they are after a commit,
    so a save that changes nothing a subscriber sees sends nothing, and every change is sent
    once however many signals report it. ``article_id`` is a plain number, not a foreign key:
    the record outlives a deleted article long enough to announce that it is gone.
    """

    article_id = models.BigIntegerField(db_index=True)
    language = models.CharField(max_length=12)
    is_original = models.BooleanField(default=False)
    published = models.BooleanField(default=False)
    digest = models.CharField(max_length=64, help_text=_("SHA-256 of title, lead and blocks."))
    title = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=1000, blank=True, help_text=_("Absolute reader URL when last seen."))
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("announced text")
        verbose_name_plural = _("announced texts")
        constraints = [
            models.UniqueConstraint(
                fields=["article_id", "language"], name="one_announced_text_per_language"
            ),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} [{self.language}] published={self.published}"

"""API keys: who may read more than the public sees, or manage webhooks.

A key is ``kbr_`` followed by 43 URL-safe characters (32 random bytes). Only its SHA-256 is
stored: the key is random and long, so a slow password hash (PBKDF2, argon2) would add
hundreds of milliseconds to every API call and no safety — nobody can guess 256 bits, and a
stolen table of SHA-256 digests gives no key back. The first 12 characters (``prefix``) are
kept in clear so that people can tell their keys apart in the admin and in logs. The full key
is shown once, when it is created; after that it cannot be read from anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_START = "kbr_"
PREFIX_LENGTH = 12  # "kbr_" and 8 random characters
# last_used_at is written at most this often per key: one write per request would make every
# read a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class Scope(models.TextChoices):
    READ_UNPUBLISHED = "read-unpublished", _("Read unpublished texts")
    WEBHOOKS = "webhooks", _("Manage webhook subscriptions")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_START + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    name = models.CharField(
        max_length=200,
        help_text=_("What the key is for, e.g. “Partner app of Báo X”."),
        verbose_name=_("name"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text=_("Who answers for this key; deleting the user deletes the key."),
        verbose_name=_("owner"),
    )
    prefix = models.CharField(
        max_length=PREFIX_LENGTH, editable=False, db_index=True, verbose_name=_("prefix")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    scopes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Extra rights beyond reading published content."),
        verbose_name=_("scopes"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: never expires."), verbose_name=_("expires")
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("revoked"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used"))

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, owner: Any, scopes: Iterable[str] = (), **fields: Any) -> tuple[ApiKey, str]:
        """A new saved key and its secret, which the caller shows once and nobody can read again."""
        key = new_key()
        api_key = cls(name=name, owner=owner, scopes=list(scopes), **fields)
        api_key.set_key(key)
        api_key.save()
        return api_key, key

    def set_key(self, key: str) -> None:
        self.prefix = key[:PREFIX_LENGTH]
        self.key_hash = hash_key(key)

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def problem(self, now: dt.datetime | None = None) -> str | None:
        """Why this key cannot be used now, or None when it can."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "this API key was revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "this API key has expired"
        return None

    def touch(self, now: dt.datetime | None = None) -> None:
        """Record a use, at most once per LAST_USED_RESOLUTION (an UPDATE, no model save)."""
        now = now or timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

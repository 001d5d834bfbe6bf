"""What ingestion remembers beyond the articles themselves: failures, with reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabar.news.models import Source


class IngestFailure(models.Model):
    """A document that could not be fetched, extracted or stored — kept, never dropped."""

    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="failures",
        verbose_name=_("source"),
    )
    url = models.CharField(max_length=1000, verbose_name=_("URL"))
    stage = models.CharField(max_length=40, verbose_name=_("stage"))
    reason = models.TextField(verbose_name=_("reason"))
    attempts = models.PositiveIntegerField(default=1, verbose_name=_("attempts"))
    first_seen_at = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen"))
    last_seen_at = models.DateTimeField(auto_now=True, verbose_name=_("last seen"))
    resolved = models.BooleanField(
        default=False, help_text=_("Set when a later attempt succeeded."), verbose_name=_("resolved")
    )

    class Meta:
        verbose_name = _("ingestion failure")
        verbose_name_plural = _("ingestion failures")
        ordering = ["-last_seen_at"]
        constraints = [models.UniqueConstraint(fields=["url", "stage"], name="one_failure_per_url_stage")]

    def __str__(self) -> str:
        return f"{self.url} [{self.stage}] {self.reason[:80]}"


class WorkerHeartbeat(models.Model):
    """A running ``kabar worker`` (database backend), as last heard from.

    The worker's heartbeat thread moves ``last_beat_at`` forward every few seconds;
    ``kabar.ingest.leases.reap`` re-queues the running tasks of a worker that has
    gone quiet for longer than the lease (killed, crashed, machine lost).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-last_beat_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} (pid {self.pid} on {self.hostname})"


class ImageFetch(models.Model):
    """One image address as ingestion last fetched it: the stored file, or why there is none.

    Shared by every article that uses the address, so a picture two articles carry (or one
    article stored again) is downloaded once. A failure is kept with its reason and tried
    again after a while (``kabar.ingest.images.RETRY_FAILED_AFTER``); a picture judged too small
    after decoding (an icon or logo that declared no size) is kept as skipped.
    """

    class Outcome(models.TextChoices):
        STORED = "stored", _("stored")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (not a content image)")

    # Addresses may be longer than an index allows: looked up by their SHA-256.
    url_hash = models.CharField(max_length=64, unique=True, verbose_name=_("URL hash"))
    url = models.TextField(verbose_name=_("URL"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    name = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Storage name of the stored file."),
        verbose_name=_("file name"),
    )
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    reason = models.TextField(
        blank=True, help_text=_("Why it failed or was skipped."), verbose_name=_("reason")
    )
    attempts = models.PositiveIntegerField(default=1, verbose_name=_("attempts"))
    fetched_at = models.DateTimeField(verbose_name=_("fetched"))

    class Meta:
        verbose_name = _("image fetch")
        verbose_name_plural = _("image fetches")
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.url[:100]} [{self.outcome}]"

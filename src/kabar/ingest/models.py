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

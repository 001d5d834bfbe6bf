"""Errors raised by pipeline stages.

Every stage failure carries the stage name and a human-readable reason, because
the Django shell stores ``reason`` verbatim on the failed document and shows it
to operators in the admin.
"""

from __future__ import annotations


class StageError(Exception):
    """A stage refused or failed a document; ``reason`` is shown to operators."""

    stage: str = "pipeline"

    def __init__(self, reason: str, *, stage: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if stage is not None:
            self.stage = stage

    def __str__(self) -> str:
        return f"{self.stage}: {self.reason}"


class StageTimeout(StageError):
    """A stage ran past its time limit."""


class TooLarge(StageError):
    """An input exceeded a stage's size cap."""


class NotConfigured(Exception):
    """Raised by a plugin's constructor to switch itself off (as in scrapy).

    The registry catches it, logs the reason and leaves the plugin out.
    """

"""A stage runner for ingest tests that makes marked documents hang their extract stage.

Worker processes import this module by name to run ``extract_or_hang``, so it
imports no Django (a worker never sets Django up).
"""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Callable
from typing import Any

from kabar.core.pipeline import PipelineLimits, extract_stage
from kabar.core.stage import StageRunner
from kabar.core.types import Extracted, RawDocument

HANG = "<!-- kabar-test: hang -->"


def extract_or_hang(raw: RawDocument, limits: PipelineLimits) -> Extracted:
    if HANG in raw.content:
        # Exponential backtracking in the regex engine: holds the GIL for longer than any test runs.
        re.fullmatch(r"(a|aa)+b", "a" * 100)
    return extract_stage(raw, limits)


class HangOnMarker:
    """``StageRunner`` that runs ``extract_or_hang`` in place of the real extract stage."""

    def __init__(self, stages: StageRunner) -> None:
        self.stages = stages

    @property
    def capacity(self) -> int:
        return self.stages.capacity

    def submit(
        self, stage: str, timeout: float, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        return self.stages.submit(
            stage, timeout, extract_or_hang if fn is extract_stage else fn, *args, **kwargs
        )

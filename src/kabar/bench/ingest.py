"""Ingestion throughput: the pipeline in this process against the stage pool, side by side.

``python -m kabar.bench.ingest DATASET_DIR [--repeats N] [--workers 1,2] [--json]``
reads the pages of an extraction data set (``DATASET_DIR/html/<id>.html.gz`` and
``ground-truth.json`` for their URLs, as ``kabar.bench.extraction``) and runs
kabar's pipeline (extract → clean → detect) over all of them:

* ``in-process``: stages run here, one document after another (``InProcessStages``);
* ``pool N``: stages in a ``StagePool`` of N worker processes, documents kept in
  flight and finished in order, as ``kabar.ingest.service.ingest`` does.

Each repeat runs every mode once, one after the other, so that a change in the
machine's load touches all of them; the table gives each mode's median pages/s
over the repeats and its ratio to in-process. Worker start-up and the language
detector's build are not timed (a long-running ``kabar worker`` pays them once).
Storing in the database is not part of it: that is the same in every mode.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kabar.bench.extraction import load_ground_truth, read_page
from kabar.config import env_values
from kabar.core.errors import StageError
from kabar.core.pipeline import Pipeline
from kabar.core.stage import InProcessStages
from kabar.core.text.language import LanguageDetector
from kabar.core.types import Extracted, RawDocument
from kabar.core.workers import StagePool

IN_PROCESS = "in-process"


@dataclass(frozen=True)
class ModeResult:
    mode: str
    workers: int  # 0 for in-process
    pages: int
    failed: int  # pages a stage refused (the same in every mode)
    seconds: list[float]  # one per repeat

    @property
    def pages_per_second(self) -> float:
        return self.pages / statistics.median(self.seconds)


def load_documents(dataset: Path, limit: int | None = None) -> list[RawDocument]:
    truth = load_ground_truth(dataset)
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return [
        RawDocument(
            url=str(truth[i].get("url") or f"https://example.invalid/{i}"), content=read_page(dataset, i)
        )
        for i in ids
    ]


def run_once(pipeline: Pipeline, documents: Sequence[RawDocument]) -> tuple[float, int]:
    """Seconds to process every document, and how many failed; in flight as ``ingest`` keeps them."""
    window: collections.deque[tuple[RawDocument, concurrent.futures.Future[Extracted]]] = collections.deque()
    in_flight = 2 * pipeline.stages.capacity
    failed = 0

    def finish_oldest() -> None:
        nonlocal failed
        raw, prepared = window.popleft()
        try:
            pipeline.finish(prepared, raw)
        except StageError:
            failed += 1

    started = time.perf_counter()
    for raw in documents:
        window.append((raw, pipeline.submit(raw)))
        while len(window) > in_flight:
            finish_oldest()
    while window:
        finish_oldest()
    return time.perf_counter() - started, failed


def run(
    documents: Sequence[RawDocument], *, workers: Sequence[int] = (1, 2), repeats: int = 3
) -> list[ModeResult]:
    detector = LanguageDetector(env_values()["KABAR_DETECT_LANGUAGES"], preload=True)
    pools = {n: StagePool(n) for n in workers}
    try:
        pipelines = {IN_PROCESS: Pipeline(detector, stages=InProcessStages())}
        for n, pool in pools.items():
            pipelines[f"pool {n}"] = Pipeline(detector, stages=pool)
            run_once(pipelines[f"pool {n}"], [documents[0]] * n)  # workers started and warm, untimed
        seconds: dict[str, list[float]] = {mode: [] for mode in pipelines}
        failures: dict[str, int] = {}
        for _ in range(repeats):
            for mode, pipeline in pipelines.items():
                elapsed, failed = run_once(pipeline, documents)
                seconds[mode].append(elapsed)
                failures[mode] = failed
    finally:
        for pool in pools.values():
            pool.close()
    return [
        ModeResult(
            mode=mode,
            workers=0 if mode == IN_PROCESS else int(mode.split()[1]),
            pages=len(documents),
            failed=failures[mode],
            seconds=seconds[mode],
        )
        for mode in pipelines
    ]


def report(results: Sequence[ModeResult]) -> dict[str, Any]:
    baseline = next(r for r in results if r.mode == IN_PROCESS).pages_per_second
    return {
        "pages": results[0].pages,
        "repeats": len(results[0].seconds),
        "modes": [
            {
                **asdict(r),
                "pages_per_second": round(r.pages_per_second, 2),
                "vs_in_process": round(r.pages_per_second / baseline, 2),
            }
            for r in results
        ],
    }


def _print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Pipeline throughput, {data['pages']} pages, median of {data['repeats']} repeats")
    for column in ("mode", "pages/s", "× in-process", "seconds per repeat", "failed"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for mode in data["modes"]:
        table.add_row(
            mode["mode"],
            f"{mode['pages_per_second']:.1f}",
            f"{mode['vs_in_process']:.2f}",
            " ".join(f"{s:.2f}" for s in mode["seconds"]),
            str(mode["failed"]),
        )
    Console().print(table)


def _worker_counts(value: str) -> list[int]:
    counts = [int(v) for v in value.split(",") if v.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker counts are whole numbers from 1, comma-separated")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kabar.bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path, help="folder with html/<id>.html.gz and ground-truth.json")
    parser.add_argument("--repeats", type=int, default=3, help="runs of every mode (the median is shown)")
    parser.add_argument("--workers", type=_worker_counts, default=[1, 2], help="pool sizes, e.g. 1,2")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if not (args.dataset / "ground-truth.json").is_file():
        parser.error(f"{args.dataset} has no ground-truth.json")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    documents = load_documents(args.dataset, args.limit)
    if not documents:
        parser.error(f"{args.dataset} has no pages")
    data = report(run(documents, workers=args.workers, repeats=args.repeats))
    if args.json:
        json.dump(data, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_table(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

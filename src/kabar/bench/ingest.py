"""Ingestion throughput against trafilatura alone, on the same pages in the same run.

``python -m kabar.bench.ingest DATASET_DIR [--repeats N] [--workers N] [--json]`` reads the
pages of an extraction data set (``DATASET_DIR/html/<id>.html.gz`` and ``ground-truth.json``
for their URLs, as ``kabar.bench.extraction``), points their addresses at local image servers
(``ingest_pages``: several loopback hosts, 100 ms per request) and measures, in pages/s:

1. ``trafilatura``: ``trafilatura.extract`` alone, one page after another, in this process;
2. ``pipeline``: kabar's extract → clean → detect without storing, on the stage pool of
   ``--workers`` processes (default: one per core, as ``kabar ingest``), documents kept in
   flight and finished in order as ``kabar.ingest.service.ingest`` does;
3. ``ingest``: ``kabar ingest`` of the pages as files into a fresh database (a temporary
   SQLite file), pictures fetched from the image servers: "rows" when the last article row
   committed, "images" when the last picture was attached (the run's end).

(1) and (2) are the median of ``--repeats`` runs, (3) runs once (its database would not be
fresh again). Worker start-up and the language detector's build are not timed (a
long-running ``kabar worker`` pays them once). The machine's load average is printed with it.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kabar.bench.extraction import load_ground_truth, read_page
from kabar.bench.ingest_pages import ImageServers, rewrite_page
from kabar.core.errors import StageError
from kabar.core.pipeline import Pipeline
from kabar.core.types import Extracted, RawDocument

IMAGE_HOSTS = 4
IMAGE_LATENCY = 0.1


def load_documents(dataset: Path, origins: Sequence[str], limit: int | None = None) -> list[RawDocument]:
    """The data set's pages, their addresses pointed at ``origins`` (``ingest_pages.rewrite_page``)."""
    truth = load_ground_truth(dataset)
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    documents = []
    for page_id in ids:
        url = str(truth[page_id].get("url") or f"https://example.invalid/{page_id}")
        html, address = rewrite_page(read_page(dataset, page_id), url, origins)
        documents.append(RawDocument(url=address, content=html, hints={"id": page_id}))
    return documents


def run_pipeline(pipeline: Pipeline, documents: Sequence[RawDocument]) -> tuple[float, int]:
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


def run_trafilatura(documents: Sequence[RawDocument]) -> float:
    import trafilatura

    started = time.perf_counter()
    for raw in documents:
        trafilatura.extract(raw.content, url=raw.url)
    return time.perf_counter() - started


def _setup_django(folder: Path) -> None:
    """A fresh database in ``folder`` (unless Django is set up already: the tests' database)."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ.update(
        {
            "KABAR_DATA_DIR": str(folder),
            "KABAR_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "KABAR_SECRET_KEY": os.environ.get("KABAR_SECRET_KEY", "bench-only"),
            "DJANGO_SETTINGS_MODULE": "kabar.conf.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def run_ingest(documents: Sequence[RawDocument], folder: Path) -> dict[str, Any]:
    """``ingest`` of the pages written as files: seconds to the last row, to the last picture."""
    from kabar.ingest.service import ingest

    pages = folder / "pages"
    pages.mkdir()
    for raw in documents:
        (pages / f"{raw.hints['id']}.html").write_text(raw.content, encoding="utf-8")
    last_row = 0.0

    def on_document(url: str, status: str) -> None:
        nonlocal last_row
        last_row = time.perf_counter()

    started = time.perf_counter()
    summary = ingest(str(pages), allow_private=True, on_document=on_document)
    ended = time.perf_counter()
    return {
        "rows_seconds": (last_row or ended) - started,
        "seconds": ended - started,
        "stored": summary.new + summary.updated + summary.duplicate,
        "failed": len(summary.failed),
        "skipped": len(summary.skipped),
        "images": {
            "attached": summary.images.attached,
            "failed": summary.images.failed,
            "skipped": summary.images.skipped,
            "pending": summary.images.pending,
        },
    }


def run(
    dataset: Path, *, workers: int | None = None, repeats: int = 3, limit: int | None = None
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="kabar-bench-ingest-") as tmp,
        ImageServers(IMAGE_HOSTS, IMAGE_LATENCY) as servers,
    ):
        folder = Path(tmp)
        _setup_django(folder)
        from django.conf import settings

        from kabar.ingest.service import build_pipeline

        workers = workers or settings.INGEST["workers"] or 1
        settings.INGEST = {**settings.INGEST, "workers": workers}
        documents = load_documents(dataset, servers.origins, limit)
        if not documents:
            raise SystemExit(f"{dataset} has no pages")
        pipeline = build_pipeline()  # the pool ingest uses too: started and warm, untimed
        run_pipeline(pipeline, [documents[0]] * workers)
        trafilatura_seconds, pipeline_seconds = [], []
        failed = 0
        for _ in range(repeats):
            trafilatura_seconds.append(run_trafilatura(documents))
            elapsed, failed = run_pipeline(pipeline, documents)
            pipeline_seconds.append(elapsed)
        image_requests = servers.requests[0]
        ingested = run_ingest(documents, folder)
        ingested["image_requests"] = servers.requests[0] - image_requests
    pages = len(documents)
    trafilatura_pps = pages / statistics.median(trafilatura_seconds)
    pipeline_pps = pages / statistics.median(pipeline_seconds)
    ingest_pps = pages / ingested["seconds"]
    return {
        "pages": pages,
        "trafilatura_pps": round(trafilatura_pps, 2),
        "pipeline_pps": round(pipeline_pps, 2),
        "ingest_pps": round(ingest_pps, 2),
        "ingest_rows_pps": round(pages / ingested["rows_seconds"], 2),
        "pipeline_vs_trafilatura": round(pipeline_pps / trafilatura_pps, 2),
        "ingest_vs_pipeline": round(ingest_pps / pipeline_pps, 2),
        "workers": workers,
        "repeats": repeats,
        "pipeline_failed": failed,
        "ingest": ingested,
        "image_hosts": IMAGE_HOSTS,
        "image_latency_s": IMAGE_LATENCY,
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def _print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    title = (
        f"Ingestion, {data['pages']} pages, {data['workers']} workers, load average "
        f"{' '.join(str(v) for v in data['load_average'])}"
    )
    table = Table(title=title)
    for column in ("stage", "pages/s", "ratio"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    ingested, images = data["ingest"], data["ingest"]["images"]
    rows_pps = data["ingest_rows_pps"]
    table.add_row("trafilatura.extract alone", f"{data['trafilatura_pps']:.1f}", "1.00")
    table.add_row(
        "pipeline (extract, clean, detect)",
        f"{data['pipeline_pps']:.1f}",
        f"{data['pipeline_vs_trafilatura']:.2f} × trafilatura",
    )
    table.add_row(
        "ingest: rows committed", f"{rows_pps:.1f}", f"{rows_pps / data['pipeline_pps']:.2f} × pipeline"
    )
    table.add_row(
        "ingest: images attached (whole run)",
        f"{data['ingest_pps']:.1f}",
        f"{data['ingest_vs_pipeline']:.2f} × pipeline",
    )
    Console().print(table)
    Console().print(
        f"stored {ingested['stored']}, failed {ingested['failed']}, skipped {ingested['skipped']}; images "
        f"attached {images['attached']}, failed {images['failed']}, skipped {images['skipped']}, "
        f"pending {images['pending']} ({ingested['image_requests']} requests to {data['image_hosts']} hosts "
        f"at {data['image_latency_s'] * 1000:.0f} ms each)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kabar.bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path, help="folder with html/<id>.html.gz and ground-truth.json")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of trafilatura and the pipeline (median)"
    )
    parser.add_argument("--workers", type=int, default=None, help="stage processes (default: one per core)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if not (args.dataset / "ground-truth.json").is_file():
        parser.error(f"{args.dataset} has no ground-truth.json")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    data = run(args.dataset, workers=args.workers, repeats=args.repeats, limit=args.limit)
    if args.json:
        json.dump(data, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_table(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

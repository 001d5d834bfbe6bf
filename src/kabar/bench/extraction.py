"""Article-extraction benchmark in the scrapinghub/article-extraction-benchmark format.

``python -m kabar.bench.extraction [DATASET_DIR ...] [--json]`` reads
``DATASET_DIR/html/<id>.html.gz`` (or ``<id>.html``) and ``DATASET_DIR/ground-truth.json``
(id -> {"articleBody", "url", ...}) and scores kabar's extract stage and plain
``trafilatura.extract`` side by side with the data set's own metric. Without a
folder it scores the two sets kabar is measured on, one after the other: the 181
scrapinghub pages (``../shared/bench/extraction/scrapinghub``, when present) and
``tests/fixtures/extraction_cms``, hand-written pages in nine CMS styles with the
fields a newsroom checks. The metric:

* text -> ``\\w+`` tokens -> multiset of overlapping 4-token shingles;
* per page TP/FP/FN counts, scaled to sum to 1;
* precision and recall averaged over pages (a page with an empty prediction is
  left out of precision, one with an empty gold text out of recall), F1 the
  harmonic mean of the two averages;
* accuracy: the share of pages whose token sequence equals the gold exactly.

kabar's text for a page is its body blocks' text, one block per line. The
title is left out, as the gold texts leave it out; so is a standfirst, except
when it was the page's opening paragraph (kabar moves that into the lead, and
the gold counts it as body text).

Gold entries may carry more fields (title, author, published, outlet,
language, images as [{caption, credit}]); kabar's exact-match rate is reported
for each field present. A published time matches only with its UTC offset: an
outlet's own zone is kept, not converted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import multiprocessing
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from trafilatura.utils import decode_file

from kabar.core.errors import StageError
from kabar.core.extract.extract import ExtractionResult, extract_article
from kabar.core.types import Extracted

SHINGLE_SIZE = 4
MAX_WORKERS = 2  # the machines this runs on are shared
FIELDS = ("title", "author", "published", "outlet", "language", "images")
TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text or "")


def shingles(words: Sequence[str], size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of overlapping ``size``-token shingles; a shorter non-empty text is one shingle."""
    if not words:
        return Counter()
    if len(words) < size:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class PageCounts:
    """One page's TP/FP/FN shares (summing to 1) and whether each side had any text."""

    tp: float
    fp: float
    fn: float
    has_prediction: bool
    has_gold: bool
    exact: bool

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def page_counts(gold: str, prediction: str) -> PageCounts:
    gold_words, pred_words = tokens(gold), tokens(prediction)
    gold_sh, pred_sh = shingles(gold_words), shingles(pred_words)
    tp = sum((gold_sh & pred_sh).values())
    fp = sum((pred_sh - gold_sh).values())
    fn = sum((gold_sh - pred_sh).values())
    total = tp + fp + fn
    scale = 1 / total if total else 0.0
    return PageCounts(
        tp * scale,
        fp * scale,
        fn * scale,
        has_prediction=bool(pred_words),
        has_gold=bool(gold_words),
        exact=gold_words == pred_words,
    )


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    accuracy: float


def score(pairs: Iterable[tuple[str, str]]) -> Scores:
    """The data set's metric over ``(gold, prediction)`` pairs."""
    counts = [page_counts(gold, pred) for gold, pred in pairs]
    precisions = [c.precision for c in counts if c.has_prediction]
    recalls = [c.recall for c in counts if c.has_gold]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(c.exact for c in counts) / len(counts) if counts else 0.0
    return Scores(precision, recall, f1, accuracy)


def body_text(result: ExtractionResult) -> str:
    """kabar's article text as the benchmark sees it: body blocks, one per line."""
    doc = result.extracted
    opening = [doc.lead] if result.lead_origin == "body" and doc.lead else []
    return "\n".join(opening + doc.paragraphs)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _same_time(gold: str, found: dt.datetime | None) -> bool:
    if found is None or not gold:
        return not gold and found is None
    try:
        expected = dt.datetime.fromisoformat(gold.strip())
    except ValueError:
        return False
    if len(gold.strip()) <= 10:  # a date without a time
        return expected.date() == found.date()
    if expected.tzinfo is None:
        return expected == found.replace(tzinfo=None)
    return expected == found and expected.utcoffset() == found.utcoffset()


def field_matches(gold: dict[str, Any], doc: Extracted | None) -> dict[str, bool]:
    """Exact match (after whitespace/case folding) of each extra gold field present."""
    found: dict[str, bool] = {}
    for name in FIELDS:
        if name not in gold:
            continue
        expected = gold[name]
        if doc is None:
            found[name] = False
        elif name == "author":
            names = expected if isinstance(expected, list) else [a for a in str(expected or "").split(",")]
            found[name] = [_norm(n) for n in names if n.strip()] == [_norm(a) for a in doc.authors]
        elif name == "published":
            found[name] = _same_time(str(expected or ""), doc.published)
        elif name == "images":
            got = [(_norm(i.caption), _norm(i.credit)) for i in doc.images]
            want = [(_norm(i.get("caption", "")), _norm(i.get("credit", ""))) for i in expected or []]
            found[name] = got == want
        else:
            value = getattr(doc, {"outlet": "outlet", "title": "title", "language": "language"}[name]) or ""
            found[name] = _norm(str(expected or "")) == _norm(value)
    return found


@dataclass
class PageResult:
    page_id: str
    kabar: str
    trafilatura: str
    fields: dict[str, bool] = field(default_factory=dict)
    baseline_fields: dict[str, bool] = field(default_factory=dict)
    error: str = ""


def read_page(dataset: Path, page_id: str) -> str:
    plain = dataset / "html" / f"{page_id}.html"  # hand-written sets stay readable in review
    raw = (
        plain.read_bytes()
        if plain.is_file()
        else gzip.decompress((dataset / "html" / f"{page_id}.html.gz").read_bytes())
    )
    text: str = decode_file(raw)
    return text


def run_page(task: tuple[str, str, dict[str, Any]]) -> PageResult:
    """Extract one page with kabar and with plain trafilatura (runs in a worker process)."""
    dataset, page_id, gold = task
    html = read_page(Path(dataset), page_id)
    url = str(gold.get("url") or "https://example.invalid/")
    result: ExtractionResult | None = None
    error = ""
    try:
        result = extract_article(html, url=url)
    except StageError as exc:
        error = str(exc)
    baseline = trafilatura.extract(html, url=url, include_comments=False) or ""
    # trafilatura's own metadata, scored the same way, where the gold has fields (it reads no captions).
    baseline_fields = field_matches(gold, _trafilatura_fields(html, url)) if set(FIELDS) & set(gold) else {}
    return PageResult(
        page_id=page_id,
        kabar=body_text(result) if result else "",
        trafilatura=baseline,
        fields=field_matches(gold, result.extracted if result else None),
        baseline_fields=baseline_fields,
        error=error,
    )


def _trafilatura_fields(html: str, url: str) -> Extracted:
    meta = trafilatura.extract_metadata(html, default_url=url)
    published = None
    if meta.date:
        try:
            published = dt.datetime.fromisoformat(meta.date)
        except ValueError:
            published = None
    return Extracted(
        url=url,
        title=meta.title or "",
        outlet=meta.sitename or "",
        authors=[a.strip() for a in (meta.author or "").split(";") if a.strip()],
        published=published,
        language=None,
    )


def load_ground_truth(dataset: Path) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    return data


def run(dataset: Path, *, workers: int = MAX_WORKERS, limit: int | None = None) -> dict[str, Any]:
    """Score both extractors on the data set; the dict is what ``--json`` prints."""
    truth = load_ground_truth(dataset)
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    tasks = [(str(dataset), page_id, truth[page_id]) for page_id in ids]
    workers = max(1, min(workers, MAX_WORKERS, len(tasks)))
    if workers == 1:
        results = [run_page(t) for t in tasks]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(run_page, tasks, chunksize=4)
    gold = {page_id: str(truth[page_id].get("articleBody") or "") for page_id in ids}
    kabar_scores = score((gold[r.page_id], r.kabar) for r in results)
    baseline_scores = score((gold[r.page_id], r.trafilatura) for r in results)
    rates, baseline_rates = _rates(r.fields for r in results), _rates(r.baseline_fields for r in results)
    return {
        "pages": len(results),
        "kabar": {**asdict(kabar_scores), "fields": rates},
        "trafilatura": {**asdict(baseline_scores), **({"fields": baseline_rates} if baseline_rates else {})},
        "errors": {r.page_id: r.error for r in results if r.error},
    }


def _rates(per_page: Iterable[dict[str, bool]]) -> dict[str, float]:
    pages = list(per_page)
    rates: dict[str, float] = {}
    for name in FIELDS:
        hits = [fields[name] for fields in pages if name in fields]
        if hits:
            rates[name] = sum(hits) / len(hits)
    return rates


def _print_table(report: dict[str, Any], *, name: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Article extraction{f' ({name})' if name else ''}, {report['pages']} pages")
    table.add_column("extractor")
    for metric in ("precision", "recall", "f1", "accuracy"):
        table.add_column(metric, justify="right")
    for name in ("kabar", "trafilatura"):
        row = report[name]
        table.add_row(name, *(f"{row[m]:.4f}" for m in ("precision", "recall", "f1", "accuracy")))
    console = Console()
    console.print(table)
    if report["kabar"]["fields"]:
        baseline = report["trafilatura"].get("fields", {})
        fields = Table(title="field exact-match rate")
        fields.add_column("field")
        fields.add_column("kabar", justify="right")
        fields.add_column("trafilatura metadata", justify="right")
        for name, rate in report["kabar"]["fields"].items():
            fields.add_row(name, f"{rate:.3f}", f"{baseline[name]:.3f}" if name in baseline else "")
        console.print(fields)
    if report["errors"]:
        console.print(f"kabar refused {len(report['errors'])} page(s):")
        for page_id, error in sorted(report["errors"].items()):
            console.print(f"  {page_id}: {error}")


REPO = Path(__file__).resolve().parents[3]
DEFAULT_SETS = (
    REPO.parent / "shared" / "bench" / "extraction" / "scrapinghub",
    REPO / "tests" / "fixtures" / "extraction_cms",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kabar.bench.extraction", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "dataset",
        type=Path,
        nargs="*",
        help="folders with html/<id>.html[.gz] and ground-truth.json (default: scrapinghub and the CMS set)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--workers", type=int, default=MAX_WORKERS, help=f"processes (at most {MAX_WORKERS})")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages (by id)")
    args = parser.parse_args(argv)
    datasets: list[Path] = args.dataset or [d for d in DEFAULT_SETS if (d / "ground-truth.json").is_file()]
    for dataset in datasets:
        if not (dataset / "ground-truth.json").is_file():
            parser.error(f"{dataset} has no ground-truth.json")
    reports = {d.name: run(d, workers=args.workers, limit=args.limit) for d in datasets}
    if args.json:
        for report in reports.values():
            report.pop("errors")
        # One set: its report, as it always was; several: one report per set, by folder name.
        payload = next(iter(reports.values())) if len(reports) == 1 else {"sets": reports}
        json.dump(payload, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for name, report in reports.items():
            _print_table(report, name=name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

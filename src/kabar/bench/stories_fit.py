"""Fit the relate stage's thresholds on a labelled story fixture.

``python -m kabar.bench.stories_fit FILE.jsonl [--json] [--all]`` embeds the fixture once,
then replays the online clustering for every point of a grid of ``RelateParams`` and keeps
the one with the best mean of B-cubed F1 and cross-lingual pairwise F1 on the fit half of
the stories (even positions in sorted label order; ``--all`` fits on every story). It prints
the chosen values, to be written into ``RelateParams``' defaults, and the scores on both
halves, so that the held-out half says how far the fit carries over.

The replay is the same decision as ``decide`` (a near-duplicate first, else the story with
the best blend of its best and mean member score within the window, joined at
``join_threshold``), computed on precomputed article-by-article matrices so that a grid of
thousands of points runs in minutes; the report says whether it matched ``OnlineClusterer``
on the chosen values. A half's score counts merges with the other half's articles as errors
(``kabar.bench.stories.score``), so the fit cannot gain by lumping its stories with others.

``--write-centres [PATH]`` first writes the news centres (``kabar.core.discover.embed``: per
language, the mean embedding of the fit half's passages, never the held-out half's) and fits
with them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from kabar.bench.stories import (
    Item,
    Scores,
    article_signals,
    cluster,
    half_scores,
    halves,
    load_fixture,
    minhashes,
    score,
)
from kabar.core.discover.embed import E5_DIM, NEWS_CENTRES
from kabar.core.discover.relate import (
    ArticleSignals,
    Embedder,
    RelateParams,
    embedding_text,
    minhash_similarity,
)

THRESHOLDS = tuple(round(0.2 + 0.02 * i, 3) for i in range(14))
GRID: dict[str, tuple[float, ...]] = {
    "cross_lingual_bonus": (0.1, 0.14, 0.18, 0.22),
    "cross_lingual_floor": (0.0, 0.1, 0.15, 0.2),
    "entity_weight": (0.0, 0.01, 0.02),
    "entity_cap": (3,),
    "decay_per_day": (0.002, 0.003, 0.005),
    "max_decay": (0.1, 0.15, 0.2),
    "window_days": (90.0, 365.0),
    "story_mean_weight": (0.5, 0.7, 1.0),
}


@dataclass(frozen=True)
class Matrices:
    """Article-by-article evidence, in stream order (row i is compared with columns j < i)."""

    cosine: np.ndarray
    cross_lingual: np.ndarray
    shared: np.ndarray
    days: np.ndarray
    jaccard: np.ndarray
    keys: tuple[str, ...]


def matrices(stream: Sequence[ArticleSignals]) -> Matrices:
    vectors = np.stack([a.embedding for a in stream]).astype(np.float32)
    languages = np.array([a.language for a in stream])
    seconds = np.array([a.published.timestamp() for a in stream])
    size = len(stream)
    shared = np.zeros((size, size), dtype=np.int32)
    jaccard = np.zeros((size, size), dtype=np.float64)
    for i, left in enumerate(stream):
        for j in range(i):
            shared[i, j] = len(left.entities & stream[j].entities)
            jaccard[i, j] = minhash_similarity(left.minhash, stream[j].minhash)
    return Matrices(
        cosine=vectors @ vectors.T,
        cross_lingual=languages[:, None] != languages[None, :],
        shared=shared,
        days=np.abs(seconds[:, None] - seconds[None, :]) / 86400.0,
        jaccard=jaccard,
        keys=tuple(a.key for a in stream),
    )


def member_scores(m: Matrices, params: RelateParams) -> np.ndarray:
    """Every article's score against every other, as ``decide`` scores a pair."""
    return np.asarray(
        m.cosine
        + params.cross_lingual_bonus * (m.cross_lingual & (m.cosine >= params.cross_lingual_floor))
        + params.entity_weight * np.minimum(m.shared, params.entity_cap)
        - np.minimum(params.decay_per_day * m.days, params.max_decay)
    )


def replay(m: Matrices, params: RelateParams, scores: np.ndarray | None = None) -> dict[str, str]:
    """What ``OnlineClusterer`` decides with ``params``, from the matrices.

    Stories are numbered in the order they start, as the clusterer lists its candidates, so
    that ties go the same way (``argmax`` takes the first).
    """
    scores = member_scores(m, params) if scores is None else scores
    size = len(m.keys)
    story = np.zeros(size, dtype=np.int64)
    started = 0
    positions = np.arange(size)
    for i in range(size):
        columns = np.flatnonzero((positions < i) & (m.days[i] <= params.window_days))
        chosen = -1
        if columns.size:
            similar = m.jaccard[i, columns]
            if similar.max() >= params.duplicate_jaccard:
                chosen = int(story[columns[int(np.argmax(similar))]])
            else:
                row, labels = scores[i, columns], story[columns]
                best = np.full(started, -np.inf)
                np.maximum.at(best, labels, row)
                counts = np.bincount(labels, minlength=started)
                means = np.bincount(labels, weights=row, minlength=started) / np.maximum(counts, 1)
                best[counts == 0] = 0.0  # masked below; no -inf * 0.0
                blended = np.where(
                    counts > 0,
                    (1.0 - params.story_mean_weight) * best + params.story_mean_weight * means,
                    -np.inf,
                )
                top = int(np.argmax(blended))
                if blended[top] >= params.join_threshold:
                    chosen = top
        if chosen < 0:
            chosen = started
            started += 1
        story[i] = chosen
    first: dict[int, str] = {}
    for i in range(size):
        first.setdefault(int(story[i]), m.keys[i])
    return {key: first[int(story[i])] for i, key in enumerate(m.keys)}


def objective(scores: Scores) -> float:
    return (scores.bcubed_f1 + scores.cross_lingual_f1) / 2


def grid(base: RelateParams) -> Iterator[RelateParams]:
    """Every combination of the non-threshold values (each is then tried at every threshold)."""
    names = list(GRID)
    for values in itertools.product(*(GRID[name] for name in names)):
        yield replace(base, **dict(zip(names, values, strict=True)))  # type: ignore[arg-type]


def fit(
    items: Sequence[Item], embedder: Embedder, *, use_all: bool = False
) -> tuple[RelateParams, dict[str, Any]]:
    """The grid point with the best objective on the fit half (or on all stories)."""
    stream = article_signals(items, embedder, minhashes(items))
    m = matrices(stream)
    even, _ = halves(items)

    def keep(item: Item) -> bool:  # the fit half, scored against the stories made of all articles
        return use_all or item.story in even

    start = time.perf_counter()
    ranked: list[tuple[float, int, RelateParams]] = []
    index = 0
    for params in grid(RelateParams()):
        scores = member_scores(m, params)
        for threshold in THRESHOLDS:
            value = objective(
                score(items, replay(m, replace(params, join_threshold=threshold), scores), keep)
            )
            ranked.append((value, -index, replace(params, join_threshold=threshold)))
            index += 1
    ranked.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    best = ranked[0][2]
    predicted = replay(m, best)
    check = cluster(stream, best)
    report = {
        "points": len(ranked),
        "search_s": time.perf_counter() - start,
        "fitted_on": "all stories" if use_all else "even half",
        "params": asdict(best),
        "objective": ranked[0][0],
        "replay_matches_clusterer": predicted == check,
        "all": asdict(score(items, check)),
        **half_scores(items, check),
        "runners_up": [{"objective": value, **asdict(params)} for value, _, params in ranked[1:6]],
    }
    return best, report


def write_centres(
    items: Sequence[Item], embedder: Embedder, path: Path, *, use_all: bool = False
) -> dict[str, int]:
    """Per language, the mean raw embedding of the fit half's passages, written to ``path``."""
    even, _ = halves(items)
    fit_items = [item for item in items if use_all or item.story in even]
    vectors = embedder.passages([embedding_text(item.title, item.lead, item.opening) for item in fit_items])
    languages = sorted({item.language for item in fit_items})
    counts = {lang: sum(1 for item in fit_items if item.language == lang) for lang in languages}
    centres = {
        lang: [
            round(float(x), 6)
            for x in vectors[[i for i, item in enumerate(fit_items) if item.language == lang]].mean(axis=0)
        ]
        for lang in languages
    }
    data = {
        "about": "Mean embedding of news passages per language (kabar.core.discover.embed).",
        "made_by": "python -m kabar.bench.stories_fit FIXTURE --write-centres"
        + (" --all" if use_all else " (fit half: stories at even positions)"),
        "model": f"{getattr(embedder, 'name', type(embedder).__name__)} {getattr(embedder, 'variant', '')}".strip(),
        "dim": int(vectors.shape[1]) if vectors.size else E5_DIM,
        "passages": counts,
        "centres": centres,
    }
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    return counts


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kabar.bench.stories_fit", description="Fit RelateParams on a labelled story fixture."
    )
    parser.add_argument("fixture", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--all", action="store_true", help="fit on every story instead of the even half")
    parser.add_argument(
        "--write-centres",
        type=Path,
        nargs="?",
        const=NEWS_CENTRES,
        default=None,
        metavar="PATH",
        help=f"write the news centres from the fit half first (default path {NEWS_CENTRES.name} in the core)",
    )
    args = parser.parse_args(argv)
    items = load_fixture(args.fixture)
    if items is None:
        return 2
    if args.write_centres is not None:
        from kabar.core.discover.embed import E5Embedder

        counts = write_centres(items, embedder or E5Embedder(), args.write_centres, use_all=args.all)
        print(f"news centres written to {args.write_centres} from {counts} passages")
        if embedder is None:
            embedder = E5Embedder(centres_path=args.write_centres)
    if embedder is None:
        from kabar.core.discover.embed import E5Embedder

        embedder = E5Embedder()
    _, report = fit(items, embedder, use_all=args.all)
    if args.json:
        print(json.dumps(report))
        return 0
    print(
        f"{report['points']} grid points in {report['search_s']:.1f} s, fitted on the {report['fitted_on']}"
    )
    print("chosen RelateParams:")
    for name, value in report["params"].items():
        print(f"    {name}: {value}")
    print(f"replay matches OnlineClusterer: {report['replay_matches_clusterer']}")
    for part in ("all", "fit_half", "held_out_half"):
        s = report[part]
        print(
            f"{part:>14}: B-cubed F1 {s['bcubed_f1']:.3f}  pairwise F1 {s['pairwise_f1']:.3f}  "
            f"cross-lingual F1 {s['cross_lingual_f1']:.3f}  stories {s['predicted_stories']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

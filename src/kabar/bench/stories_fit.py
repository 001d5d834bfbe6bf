"""Fit the relate stage's thresholds on a labelled story fixture.

``python -m kabar.bench.stories_fit FILE.jsonl [--json] [--all]`` embeds the fixture once,
then replays the online clustering over a grid of ``RelateParams`` (a coordinate search, see
``fit``) and keeps the values with the best mean of B-cubed F1 and cross-lingual pairwise F1
on the fit half of the stories (even positions in sorted label order; ``--all`` fits on every
story), smoothed over neighbouring thresholds. It prints the chosen values, to be written into
``RelateParams``' defaults, and the scores on both halves, so that the held-out half says how
far the fit carries over.

The replay is the same decision as ``decide`` (a near-duplicate first, else the story with
the best blend of its best and mean member score within the window, joined at
``join_threshold``, then the re-examination by average link at ``merge_threshold``, with the
names' rarity as each article's decision counts it), computed on precomputed
article-by-article matrices so that a grid of
thousands of points runs in minutes; the report says whether it matched ``OnlineClusterer``
on the chosen values. A half's score counts merges with the other half's articles as errors
(``kabar.bench.stories.score``), so the fit cannot gain by lumping its stories with others.

``--write-centres [PATH]`` first writes the news centres (``kabar.core.discover.embed``: per
language, the mean embedding of the fit half's passages, never the held-out half's) and fits
with them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
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
from kabar.core.discover.entities import conflicting, is_marker
from kabar.core.discover.relate import (
    ArticleSignals,
    Embedder,
    EntityRarity,
    RelateParams,
    embedding_text,
    minhash_similarity,
)

THRESHOLDS = tuple(round(0.14 + 0.02 * i, 3) for i in range(19))
# The fit scores a threshold by its mean objective with its neighbours (two on each side): online
# clustering is chaotic, one decision can move a dozen articles, and a lone spike in the objective
# is luck on the fit half, not a value that carries over.
SMOOTHING = 2
MERGE_OFF = 9.0  # a merge threshold no average link reaches: the re-examination off
# Each value's candidates. Where several are equally good on the fit half the first listed wins:
# so the conflict penalty is listed strongest first, because the fit half cannot tell a large
# penalty from a veto (its conflicting pairs are apart already) and a conflict is evidence that
# the two reports are of two events (the demo's drill and storm No. 12 are closer than any pair
# of the fixture).
GRID: dict[str, tuple[Any, ...]] = {  # floats, and whole numbers for merge_min_pairs
    "cross_lingual_bonus": (0.06, 0.1, 0.14, 0.18, 0.22),
    "cross_lingual_floor": (0.0, 0.1, 0.15, 0.2, 0.25),
    "entity_weight": (0.0, 0.01, 0.02, 0.03, 0.04, 0.06),
    "entity_cap": (1.0, 2.0, 3.0, 5.0),
    "decay_per_day": (0.001, 0.002, 0.003, 0.005, 0.008),
    "max_decay": (0.05, 0.1, 0.15, 0.2, 0.3),
    "window_days": (60.0, 90.0, 120.0, 150.0, 180.0, 365.0),
    "story_mean_weight": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "conflict_penalty": (1.0, 0.5, 0.3, 0.2, 0.1, 0.0),
    "merge_threshold": (0.18, 0.2, 0.22, 0.24, 0.26, 0.3, MERGE_OFF),
    # Not below 3: over one or two pairs the average link pulls the demo's lone reports of one
    # city together (the rice export into the metro story; tests/demo/test_demo_stories.py),
    # which the fit half, whose stories all have several reports, cannot see.
    "merge_min_pairs": (3, 4, 6),
}
SWEEPS = 5


@dataclass(frozen=True)
class Matrices:
    """Article-by-article evidence, in stream order (row i is compared with columns j < i)."""

    cosine: np.ndarray
    cross_lingual: np.ndarray
    conflict: np.ndarray
    days: np.ndarray
    jaccard: np.ndarray
    keys: tuple[str, ...]
    stream: tuple[ArticleSignals, ...]
    names: np.ndarray  # article by name or number (markers left out): 1 where the article has it
    _rare: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    _weights: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def rare_shared(self, window_days: float) -> np.ndarray:
        """Row i, column j < i: the rarity of the names i and j share, as ``decide`` counts it with
        this window (document frequencies over the articles before i within the window)."""
        if window_days not in self._rare:
            size = len(self.stream)
            rare = np.zeros((size, size), dtype=np.float64)
            for i, left in enumerate(self.stream):
                columns = [j for j in range(i) if self.days[i, j] <= window_days]
                rarity = EntityRarity.of(self.stream[j] for j in columns)
                for j in columns:
                    shared = left.entities & self.stream[j].entities
                    rare[i, j] = sum(rarity.weight(e) for e in shared if not is_marker(e))
            self._rare[window_days] = rare
        return self._rare[window_days]

    def name_weights(self, window_days: float) -> np.ndarray:
        """Row i: each name's rarity weight (``EntityRarity.weight``) over the articles before i
        within the window, as ``decide`` weighs names for article i."""
        if window_days not in self._weights:
            size, vocabulary = self.names.shape
            weights = np.ones((size, vocabulary), dtype=np.float64)
            for i in range(size):
                before = np.flatnonzero(self.days[i, :i] <= window_days)
                if before.size:
                    found = np.maximum(self.names[before].sum(axis=0), 1.0)
                    scale = math.log(before.size + 1)
                    weights[i] = np.maximum(np.log((before.size + 1) / found), 0.0) / scale
            self._weights[window_days] = weights
        return self._weights[window_days]


def matrices(stream: Sequence[ArticleSignals]) -> Matrices:
    vectors = np.stack([a.embedding for a in stream]).astype(np.float32)
    languages = np.array([a.language for a in stream])
    seconds = np.array([a.published.timestamp() for a in stream])
    size = len(stream)
    conflict = np.zeros((size, size), dtype=bool)
    jaccard = np.zeros((size, size), dtype=np.float64)
    for i, left in enumerate(stream):
        for j in range(i):
            conflict[i, j] = conflict[j, i] = conflicting(left.entities, stream[j].entities)
            jaccard[i, j] = minhash_similarity(left.minhash, stream[j].minhash)
    vocabulary: dict[str, int] = {}
    for article in stream:
        for entity in sorted(article.entities):
            if not is_marker(entity):
                vocabulary.setdefault(entity, len(vocabulary))
    names = np.zeros((size, len(vocabulary)), dtype=np.float64)
    for i, article in enumerate(stream):
        names[i, [vocabulary[e] for e in article.entities if not is_marker(e)]] = 1.0
    return Matrices(
        cosine=vectors @ vectors.T,
        cross_lingual=languages[:, None] != languages[None, :],
        conflict=conflict,
        days=np.abs(seconds[:, None] - seconds[None, :]) / 86400.0,
        jaccard=jaccard,
        keys=tuple(a.key for a in stream),
        stream=tuple(stream),
        names=names,
    )


def pair_scores(m: Matrices, params: RelateParams) -> np.ndarray:
    """Every pair's score as ``decide`` scores it, less the shared names (symmetric)."""
    return np.asarray(
        m.cosine
        + params.cross_lingual_bonus * (m.cross_lingual & (m.cosine >= params.cross_lingual_floor))
        - np.minimum(params.decay_per_day * m.days, params.max_decay)
        - params.conflict_penalty * m.conflict
    )


def member_scores(m: Matrices, params: RelateParams) -> np.ndarray:
    """Every article's score against every earlier one (row i, columns j < i), as ``decide`` scores a pair."""
    shared = np.minimum(m.rare_shared(params.window_days), params.entity_cap)
    return np.asarray(pair_scores(m, params) + params.entity_weight * shared)


def _link(
    m: Matrices, params: RelateParams, pairs: np.ndarray, i: int, left: np.ndarray, right: np.ndarray
) -> float:
    """``story_link`` of two sets of articles as article i's decision sees it (its names' rarity)."""
    weights = m.name_weights(params.window_days)[i]
    shared = (m.names[left] * weights) @ m.names[right].T
    scores = pairs[np.ix_(left, right)] + params.entity_weight * np.minimum(shared, params.entity_cap)
    return float(scores.mean())


def replay(m: Matrices, params: RelateParams, scores: np.ndarray | None = None) -> dict[str, str]:
    """What ``OnlineClusterer`` decides with ``params``, from the matrices.

    Stories are numbered in the order they start, as the clusterer lists its candidates, so
    that ties go the same way (``argmax`` takes the first); a merge keeps the lower number.
    """
    scores = member_scores(m, params) if scores is None else scores
    pairs = pair_scores(m, params) if params.merge_threshold < MERGE_OFF else scores
    size = len(m.keys)
    story = np.zeros(size, dtype=np.int64)
    started = 0
    for i in range(size):
        columns = np.flatnonzero(m.days[i, :i] <= params.window_days)
        chosen, linked, means = -1, np.zeros(0, dtype=np.int64), np.zeros(0)
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
                linked = np.flatnonzero((counts > 0) & (means >= params.merge_threshold))
                top = int(np.argmax(blended))
                if blended[top] >= params.join_threshold:
                    chosen = top
                else:  # re-examined: joins the story it links to best on average
                    linked = linked[counts[linked] >= params.merge_min_pairs]
                    if linked.size:
                        chosen = int(linked[int(np.argmax(means[linked]))])
                    linked = np.zeros(0, dtype=np.int64)
        if chosen < 0:
            chosen = started
            started += 1
        story[i] = chosen
        others = linked[linked != chosen]
        if others.size:  # does the joined story, the article in it, bridge to another?
            left = np.append(columns[story[columns] == chosen], i)
            rights = [columns[story[columns] == k] for k in others]
            links = [
                _link(m, params, pairs, i, left, right)
                if left.size * right.size >= params.merge_min_pairs
                else -math.inf
                for right in rights
            ]
            k = int(np.argmax(links))
            if links[k] >= params.merge_threshold:
                keep, gone = sorted((chosen, int(others[k])))
                story[: i + 1][story[: i + 1] == gone] = keep
    first: dict[int, str] = {}
    for i in range(size):
        first.setdefault(int(story[i]), m.keys[i])
    return {key: first[int(story[i])] for i, key in enumerate(m.keys)}


def objective(scores: Scores) -> float:
    return (scores.bcubed_f1 + scores.cross_lingual_f1) / 2


def fit(
    items: Sequence[Item], embedder: Embedder, *, use_all: bool = False
) -> tuple[RelateParams, dict[str, Any]]:
    """The best ``RelateParams`` on the fit half (or on all stories), by coordinate search.

    From ``RelateParams()``'s values, each parameter in turn is tried at each of its ``GRID``
    values, each with every threshold, keeping a change only when it raises the smoothed
    objective; the sweeps repeat until one changes nothing (at most ``SWEEPS``). A full grid of
    nine parameters is out of reach, and the parameters interact little enough for this.
    """
    stream = article_signals(items, embedder, minhashes(items))
    m = matrices(stream)
    even, _ = halves(items)

    def keep(item: Item) -> bool:  # the fit half, scored against the stories made of all articles
        return use_all or item.story in even

    points = 0

    def best_threshold(params: RelateParams) -> tuple[float, float, RelateParams]:
        nonlocal points
        scores = member_scores(m, params)
        values = [
            objective(score(items, replay(m, replace(params, join_threshold=t), scores), keep))
            for t in THRESHOLDS
        ]
        points += len(values)
        smoothed = [
            float(np.mean(values[max(0, k - SMOOTHING) : k + SMOOTHING + 1])) for k in range(len(values))
        ]
        k = int(np.argmax(smoothed))
        return smoothed[k], values[k], replace(params, join_threshold=THRESHOLDS[k])

    start = time.perf_counter()
    value, raw, best = best_threshold(RelateParams())
    path = [{"start": value}]
    for _ in range(SWEEPS):
        changed = False
        for name, candidates in GRID.items():
            tried = [best_threshold(replace(best, **{name: candidate})) for candidate in candidates]
            top = max(tried, key=lambda entry: entry[0])  # the first of equals: GRID's order
            if top[0] > value + 1e-9:
                value, raw, best = top
                changed = True
                path.append(
                    {name: getattr(best, name), "join_threshold": best.join_threshold, "objective": value}
                )
        if not changed:
            break
    predicted = replay(m, best)
    check = cluster(stream, best)
    report = {
        "points": points,
        "search_s": time.perf_counter() - start,
        "fitted_on": "all stories" if use_all else "even half",
        "params": asdict(best),
        "objective": raw,
        "objective_smoothed": value,
        "replay_matches_clusterer": predicted == check,
        "all": asdict(score(items, check)),
        **half_scores(items, check),
        "path": path,
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
    print(
        f"objective on the fit half {report['objective']:.4f} (smoothed {report['objective_smoothed']:.4f})"
    )
    for part in ("all", "fit_half", "held_out_half"):
        s = report[part]
        print(
            f"{part:>14}: B-cubed F1 {s['bcubed_f1']:.3f}  pairwise F1 {s['pairwise_f1']:.3f}  "
            f"cross-lingual F1 {s['cross_lingual_f1']:.3f}  stories {s['predicted_stories']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

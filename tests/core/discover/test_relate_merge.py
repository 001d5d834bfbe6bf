"""The relate stage's re-examination: average links between whole stories (``merge_threshold``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from kabar.core.discover.relate import (
    ArticleSignals,
    EntityRarity,
    OnlineClusterer,
    RelateParams,
    StorySummary,
    decide,
    story_link,
)

START = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)
# Plain cosines: no bonus, names, decay or conflicts, so each score below is a dot product.
PLAIN = RelateParams(
    window_days=30.0,
    join_threshold=0.9,
    cross_lingual_bonus=0.0,
    entity_weight=0.0,
    decay_per_day=0.0,
    story_mean_weight=0.5,
    merge_threshold=0.6,
)


def unit(*weights: float) -> np.ndarray:
    raw = np.zeros(8, dtype=np.float32)
    raw[: len(weights)] = weights
    return (raw / np.linalg.norm(raw)).astype(np.float32)


def angle(degrees: float) -> np.ndarray:
    """A unit vector in the first plane, ``degrees`` from the first axis."""
    return unit(float(np.cos(np.radians(degrees))), float(np.sin(np.radians(degrees))))


# The first reports (at 0°) and a follow-up with its translation (at 60°: cosine 0.5 with them)
# have drifted apart; an article at 35° is close to the follow-up (0.91) and near the first
# reports (0.82). With it in the follow-up's story, that story links to the first one at 0.61.
FIRST, LATER, BRIDGE = angle(0), angle(60), angle(35)


def at(key: str, embedding: np.ndarray, hours: float = 0.0, language: str = "en") -> ArticleSignals:
    return ArticleSignals(key, language, START + dt.timedelta(hours=hours), embedding)


def test_story_link_is_the_mean_score_of_every_pair_across_the_stories() -> None:
    left = [at("1", unit(1)), at("2", unit(0, 1))]
    right = [at("3", unit(1)), at("4", unit(1, 1))]
    expected = np.mean([1.0, float(unit(1, 1)[0]), 0.0, float(unit(1, 1)[1])])
    assert abs(story_link(left, right, PLAIN, EntityRarity.of([])) - expected) < 1e-6
    assert story_link([], right, PLAIN, EntityRarity.of([])) == float("-inf")


def test_an_article_near_all_of_a_story_joins_it_though_no_member_is_close() -> None:
    # Each member is at cosine ~0.71 from the follow-up: below the join bar (0.9), but the
    # whole story is that close, which a story about something else rarely is.
    members = [at("1", unit(1, 1)), at("2", unit(1, 0, 1)), at("3", unit(1, 0, 0, 1))]
    follow_up = at("4", unit(1), hours=24 * 10)
    decision = decide(follow_up, [StorySummary("s", members)], PLAIN)
    assert decision.story_key == "s" and decision.reason.startswith("average link 0.71")
    strict = replace(PLAIN, merge_threshold=0.9)
    assert decide(follow_up, [StorySummary("s", members)], strict).story_key is None
    # Two members are two pairs: no steadier than the best pair, which missed the join bar.
    assert decide(follow_up, [StorySummary("s", members[:2])], PLAIN).story_key is None
    assert decide(follow_up, [StorySummary("s", members[:2])], replace(PLAIN, merge_min_pairs=2)).story_key


def test_joining_a_story_that_bridges_to_another_asks_for_the_merge() -> None:
    first = StorySummary("a", [at("1", FIRST), at("2", FIRST)])
    later = StorySummary("b", [at("3", LATER, hours=24), at("4", LATER, hours=25)])
    decision = decide(at("5", BRIDGE, hours=26), [first, later], PLAIN)
    assert decision.story_key == "b" and decision.merge_with == "a"
    assert "same story as a (average link 0.61)" in decision.reason
    unrelated = StorySummary("c", [at("6", unit(0, 0, 1))])
    assert decide(at("5", BRIDGE, hours=26), [unrelated, later], PLAIN).merge_with is None
    # Without the article the two stories stay apart: their own link is 0.5.
    assert abs(story_link(first.members, later.members, PLAIN, EntityRarity.of([])) - 0.5) < 1e-6


def test_the_clusterer_merges_into_the_story_that_started_first() -> None:
    clusterer = OnlineClusterer(PLAIN)
    stream = [
        at("1", FIRST),
        at("2", FIRST, hours=1),
        at("3", LATER, hours=24),  # a story of its own …
        at("4", LATER, hours=25),
        at("5", BRIDGE, hours=26),  # … until "5" joins it and bridges the two
        at("6", unit(0, 0, 1), hours=27),
    ]
    decisions = [clusterer.add(article) for article in stream]
    assert [d.story_key for d in decisions[:4]] == ["1", "1", "3", "3"]
    assert decisions[4].story_key == "1" and decisions[4].merge_with == "3"
    assert clusterer.assignments() == {"1": "1", "2": "1", "3": "1", "4": "1", "5": "1", "6": "6"}

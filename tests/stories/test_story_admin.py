"""Editors in the admin: rename, pin, merge stories; split, move, detach, release their articles."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from story_helpers import RATES, STORM, STORM_AGAIN, T0, article

from kabar.news.models import Story
from kabar.stories import services
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db

STORIES = reverse("admin:news_story_changelist")
MEMBERS = reverse("admin:stories_storymembership_changelist")


def form_data(html: bytes, form_id: str) -> dict[str, object]:
    """The values a browser would send from the admin form ``form_id`` as it was served."""
    form = BeautifulSoup(html.decode(), "html.parser").find("form", id=form_id)
    data: dict[str, object] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in {"submit", "checkbox"} and not field.has_attr("checked"):
            continue
        if field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True)
            data[name] = chosen["value"] if chosen else ""
        else:
            data[name] = field.get("value", "on" if field.get("type") == "checkbox" else "")
    return data


@pytest.fixture(autouse=True)
def english_admin(admin_client):
    """The admin in English: these tests read its messages (the site catalog translates them)."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def two_stories(embedder):
    storm = article(*STORM, language="en")
    storm_again = article(*STORM_AGAIN, language="en", published=T0.replace(hour=9))
    rates = article(*RATES, language="en", published=T0.replace(hour=10))
    for each in (storm, storm_again, rates):
        services.assign_article(each)
    return storm, storm_again, rates


def story_of(target) -> int | None:
    return StoryMembership.objects.get(article=target).story_id


def test_merge_action_joins_the_selected_stories(admin_client, two_stories):
    storm, _again, rates = two_stories
    chosen = [story_of(storm), story_of(rates)]
    response = admin_client.post(STORIES, {"action": "merge", "_selected_action": chosen}, follow=True)
    assert response.status_code == 200
    assert Story.objects.count() == 1 and story_of(storm) == story_of(rates)
    assert "Merged 2 stories" in response.content.decode()


def test_merging_one_story_is_refused_with_a_reason(admin_client, two_stories):
    storm = two_stories[0]
    response = admin_client.post(
        STORIES, {"action": "merge", "_selected_action": [story_of(storm)]}, follow=True
    )
    assert "at least two stories" in response.content.decode()
    assert Story.objects.count() == 2


def test_rename_writes_labels_per_language_and_pin_is_a_field(admin_client, two_stories):
    story = Story.objects.get(pk=story_of(two_stories[0]))
    url = reverse("admin:news_story_change", args=[story.pk])
    data = form_data(admin_client.get(url).content, "story_form")
    data.update({"label_vi": "Bão Yagi", "label_en": " Typhoon Yagi ", "label_id": "", "pinned": "on"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.labels == {"vi": "Bão Yagi", "en": "Typhoon Yagi"} and story.pinned
    assert str(story) == "Bão Yagi"


def test_split_move_detach_and_release_actions_on_members(admin_client, two_stories):
    storm, again, rates = two_stories
    old = story_of(storm)
    member = {m.article_id: m.pk for m in StoryMembership.objects.all()}

    admin_client.post(MEMBERS, {"action": "split_off", "_selected_action": [member[again.pk]]})
    split = story_of(again)
    assert split not in {old, None} and story_of(storm) == old
    assert StoryMembership.objects.get(article=again).assigned_by == "editor"

    admin_client.post(
        MEMBERS, {"action": "move", "_selected_action": [member[again.pk]], "story": str(story_of(rates))}
    )
    assert story_of(again) == story_of(rates)
    assert not Story.objects.filter(pk=split).exists()  # left empty, unnamed, unpinned: gone

    response = admin_client.post(
        MEMBERS, {"action": "move", "_selected_action": [member[storm.pk]], "story": "999999"}, follow=True
    )
    assert "existing story" in response.content.decode() and story_of(storm) == old

    admin_client.post(MEMBERS, {"action": "detach", "_selected_action": [member[storm.pk]]})
    assert story_of(storm) is None
    assert services.assign_article(storm).action == "kept: editor"

    admin_client.post(MEMBERS, {"action": "release", "_selected_action": [member[storm.pk]]})
    membership = StoryMembership.objects.get(article=storm)
    assert membership.assigned_by == "auto" and membership.story_id is not None


def test_the_story_page_in_the_admin_lists_members_and_links_to_manage_them(admin_client, two_stories):
    story_id = story_of(two_stories[0])
    page = admin_client.get(reverse("admin:news_story_change", args=[story_id])).content.decode()
    assert "Typhoon Yagi makes landfall" in page and "Typhoon Yagi lands" in page
    assert f"{MEMBERS}?story__id__exact={story_id}" in page
    listing = admin_client.get(f"{MEMBERS}?story__id__exact={story_id}").content.decode()
    assert "Typhoon Yagi lands" in listing and "State Bank" not in listing


def test_stories_are_found_by_label_or_by_an_articles_title(admin_client, two_stories):
    storm = Story.objects.get(pk=story_of(two_stories[0]))
    storm.labels = {"vi": "Bão Yagi"}
    storm.save()

    def found(query: str) -> list[str]:
        page = BeautifulSoup(admin_client.get(STORIES, {"q": query}).content.decode(), "html.parser")
        return [" ".join(row.find("th").get_text().split()) for row in page.select("#result_list tbody tr")]

    assert found("bão yagi") == ["Bão Yagi"]
    assert len(found("State Bank")) == 1 and found("State Bank") != ["Bão Yagi"]

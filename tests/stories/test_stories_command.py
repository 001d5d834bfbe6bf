"""``kabar stories rebuild [--since DATE]``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from story_helpers import RATES, RATES_AGAIN, STORM, T0, article

from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db


def test_rebuild_assigns_every_article_and_prints_a_summary(embedder, capsys):
    for made in (
        article(*STORM),
        article(*RATES, published=T0 + dt.timedelta(hours=1)),
        article(*RATES_AGAIN, published=T0 + dt.timedelta(hours=2)),
    ):
        assert not StoryMembership.objects.filter(article=made).exists()
    call_command("stories", "rebuild")
    out = capsys.readouterr().out
    assert "kabar stories rebuild" in out and "new stories" in out
    assert StoryMembership.objects.count() == 3
    assert StoryMembership.objects.values("story").distinct().count() == 2


def test_rebuild_since_a_day_counts_only_that_days_articles(embedder, capsys):
    article(*STORM, published=T0 - dt.timedelta(days=3))
    article(*RATES, published=T0)
    call_command("stories", "rebuild", "--since", T0.date().isoformat(), "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["articles"] == 1 and summary["new_stories"] == 1


def test_a_date_that_is_not_one_says_what_to_write(embedder):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stories", "rebuild", "--since", "last tuesday")


def test_the_action_is_required():
    with pytest.raises(CommandError):
        call_command("stories")

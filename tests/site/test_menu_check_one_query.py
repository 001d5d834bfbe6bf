"""The menu check after a commit reads every language's sections in one query, as the menus would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_section, make_text

from kabar.news.models import Section
from kabar.site import context

pytestmark = pytest.mark.django_db


def test_one_query_gives_what_each_languages_menu_shows():
    world, sport, _empty = make_section("the-gioi"), make_section("the-thao"), make_section("rong")
    summit = make_article(section=world)
    make_text(summit, "vi")
    make_text(summit, "en")
    match = make_article(section=sport)
    make_text(match, "vi")
    hidden = make_article(section=sport)
    make_text(hidden, "id", is_published=False)
    make_text(make_article(section=Section.objects.unsorted()), "id")  # never in a menu
    codes = ["vi", "en", "id"]
    with CaptureQueriesContext(connection) as queries:
        found = context._sections_with_texts_in(codes)
    assert len(queries) == 1
    assert found == {code: sorted(s.slug for s in context._sections_with_texts(code)) for code in codes}
    assert found == {"vi": ["the-gioi", "the-thao"], "en": ["the-gioi"], "id": []}

"""kabar.news.models.article_path: what reverse("site:article") gives, without reversing each link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from kabar.news.models import article_path
from kabar.site.languages import name_in_sentence

WHEN = dt.datetime(2025, 1, 31, 20, 0, tzinfo=dt.UTC)  # February already in Asia/Ho_Chi_Minh


def _reversed(language: str, slug: str) -> str:
    with translation.override(language):
        return reverse("site:article", kwargs={"year": "2025", "month": "02", "slug": slug})


@pytest.mark.parametrize("language", ["vi", "en", "id"])
def test_the_path_is_the_reversed_one_in_each_language(language):
    assert article_path(language, WHEN, "bai-viet_1") == _reversed(language, "bai-viet_1")
    with translation.override(language):
        assert article_path("", WHEN, "bai") == _reversed(language, "bai")  # "": the active language


def test_a_script_prefix_is_seen_at_once():
    try:
        set_script_prefix("/kabar/")
        assert article_path("vi", WHEN, "bai") == "/kabar/vi/2025/02/bai/" == _reversed("vi", "bai")
    finally:
        set_script_prefix("/")
    assert article_path("vi", WHEN, "bai") == "/vi/2025/02/bai/"


def test_a_slug_the_url_cannot_carry_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        article_path("vi", WHEN, "bài viết")


def test_language_names_in_sentences_follow_the_active_language():
    with translation.override("en"):
        assert name_in_sentence("vi") == "Vietnamese"
    with translation.override("vi"):
        assert name_in_sentence("vi") != "Vietnamese"  # translated ("tiếng Việt")
    assert name_in_sentence("xx") == "xx"

"""Reader-site URLs; mounted under ``i18n_patterns`` so every path starts with a language code."""

from __future__ import annotations

from django.urls import path, register_converter

from kabar.pagecache import tags
from kabar.pagecache.http import cached_page
from kabar.site import search_page, story_page, views


class FourDigitYear:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str | int) -> str:
        return f"{int(value):04d}"


class TwoDigitMonth:
    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str | int) -> str:
        return f"{int(value):02d}"


register_converter(FourDigitYear, "yyyy")
register_converter(TwoDigitMonth, "mm")

app_name = "site"

# Reader pages are kept by the page cache and revalidated by tag (kabar.pagecache); search is not.
urlpatterns = [
    path("", cached_page(tags.home_page)(views.home), name="home"),
    path("author/<slug:slug>/", cached_page(tags.author_page)(views.author), name="author"),
    path("story/<int:pk>/", cached_page(tags.story_page)(story_page.story), name="story"),
    # Before the section catch-all, which would read "search" as a section slug.
    path("search/", search_page.search, name="search"),
    path(
        "<yyyy:year>/<mm:month>/<slug:slug>/", cached_page(tags.article_page)(views.article), name="article"
    ),
    path("<slug:section>/", cached_page(tags.section_page)(views.section), name="section"),
]

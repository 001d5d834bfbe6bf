"""Feed URLs, mounted at /<lang>/feeds/: RSS 2.0 and Atom for the site, each section, author and story."""

from __future__ import annotations

from django.urls import URLPattern, path

from kabar.syndication.feeds import feed_view

app_name = "feeds"

# Named "<kind>-<format>" (feed_scopes.Scope.feed_url builds them that way).
urlpatterns: list[URLPattern] = [
    path("rss.xml", feed_view("site", "rss"), name="site-rss"),
    path("atom.xml", feed_view("site", "atom"), name="site-atom"),
    path("section/<slug:key>/rss.xml", feed_view("section", "rss"), name="section-rss"),
    path("section/<slug:key>/atom.xml", feed_view("section", "atom"), name="section-atom"),
    path("author/<slug:key>/rss.xml", feed_view("author", "rss"), name="author-rss"),
    path("author/<slug:key>/atom.xml", feed_view("author", "atom"), name="author-atom"),
    path("story/<str:key>/rss.xml", feed_view("story", "rss"), name="story-rss"),
    path("story/<str:key>/atom.xml", feed_view("story", "atom"), name="story-atom"),
]

"""Site-wide URLs outside the language prefix: robots.txt, sitemaps, icons."""

from __future__ import annotations

from django.urls import URLPattern, path

from kabar.syndication import icons, robots, sitemaps

app_name = "syndication"

urlpatterns: list[URLPattern] = [
    path("robots.txt", robots.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap"),
    path("favicon.ico", icons.favicon_ico, name="favicon"),
    path("apple-touch-icon.png", icons.apple_touch_icon, name="apple-touch-icon"),
    path("apple-touch-icon-precomposed.png", icons.apple_touch_icon),
    path("site.webmanifest", icons.webmanifest, name="webmanifest"),
]

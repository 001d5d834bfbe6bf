"""Site-wide URLs outside the language prefix: robots.txt, sitemaps, icons."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""Feed URLs, mounted at /<lang>/feeds/."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "feeds"

urlpatterns: list[URLPattern] = []

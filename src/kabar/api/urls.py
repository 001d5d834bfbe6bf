"""The API's URLs, mounted at /api/."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""The API's URLs, mounted at /api/: the versions at /api/, version 1 at /api/v1/, a JSON 404 for anything else."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from kabar.api.errors import not_found_view
from kabar.api.main import api, versions

urlpatterns: list[URLPattern | URLResolver] = [
    path("", versions, name="api-versions"),
    path("v1/", api.urls),
    re_path(r"^.*$", not_found_view, name="api-not-found"),
]

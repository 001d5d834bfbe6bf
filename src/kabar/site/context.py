"""Template context shared by every reader page.

Values that cost a query or a URL resolution are lazy, so pages that never
show them (the admin uses the same template settings) pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from kabar.news.models import Section
from kabar.site.languages import endonym, site_language_codes
from kabar.site.present import Version, absolute

DEFAULT_SITE_NAME = "kabar"


@dataclass(frozen=True)
class SectionLink:
    slug: str
    name: str
    url: str


def section_links(language: str) -> list[SectionLink]:
    """Every section, named as people named it in ``language``."""
    return [SectionLink(s.slug, s.name_for(language), s.get_absolute_url()) for s in Section.objects.all()]


def language_links(request: HttpRequest) -> list[Version]:
    """This page in each site language; the home page of a language where the page has no counterpart."""
    current = translation.get_language()
    links = []
    for code in site_language_codes():
        url = translate_url(request.path, code)
        if url == request.path and code != current:
            with translation.override(code):
                url = reverse("site:home")
        links.append(
            Version(language=code, name=endonym(code), url=url, is_current=code == current, is_original=False)
        )
    return links


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_URL": settings.SITE_URL,
        "site_name": getattr(settings, "SITE_NAME", DEFAULT_SITE_NAME),
        "site_sections": SimpleLazyObject(lambda: section_links(translation.get_language())),
        "site_languages": SimpleLazyObject(lambda: language_links(request)),
        "canonical_url": SimpleLazyObject(lambda: absolute(request.path)),
    }

"""Template context shared by every reader page.

Values that cost a query or a URL resolution are lazy, so pages that never
show them (the admin uses the same template settings) pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
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


# The menu is on every reader page and changes when an editor edits a section: cached per
# language, the key deleted whenever a Section is saved or deleted. The timeout only bounds
# how long a change made behind the signals' back (queryset.update, bulk_create) can go unseen.
SECTION_MENU_TIMEOUT = 60 * 60


def section_menu_key(language: str) -> str:
    return f"kabar:site:section-menu:{language}"


def _section_links_from_database(language: str) -> list[SectionLink]:
    return [SectionLink(s.slug, s.name_for(language), s.get_absolute_url()) for s in Section.objects.all()]


def section_links(language: str) -> list[SectionLink]:
    """Every section, named as people named it in ``language``."""
    if connection.in_atomic_block:
        # Inside a transaction the rows may be uncommitted (or about to be rolled back): read
        # them, but never put them in a cache that other requests share.
        return _section_links_from_database(language)
    key = section_menu_key(language)
    links: list[SectionLink] | None = cache.get(key)
    if links is None:
        links = _section_links_from_database(language)
        cache.set(key, links, SECTION_MENU_TIMEOUT)
    return links


def forget_section_menus(**_signal: Any) -> None:
    """Drop every language's cached menu, now and again once the change is committed.

    The second time matters: a request between the save and the commit can still read the
    old rows and cache them.
    """

    def forget() -> None:
        cache.delete_many([section_menu_key(code) for code in site_language_codes()])

    forget()
    transaction.on_commit(forget)


def connect_section_menu_signals() -> None:
    post_save.connect(forget_section_menus, sender=Section, dispatch_uid="kabar-site-section-menu-save")
    post_delete.connect(forget_section_menus, sender=Section, dispatch_uid="kabar-site-section-menu-delete")


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

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
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from kabar.news.models import UNSORTED_SECTION_SLUG, Article, ArticleText, Section
from kabar.site.languages import endonym, site_language_codes
from kabar.site.present import Version, absolute

DEFAULT_SITE_NAME = "kabar"


@dataclass(frozen=True)
class SectionLink:
    slug: str
    name: str
    url: str


# The menu is on every reader page and changes when an editor edits a section, or when a
# section gets its first published text in a language (or loses its last): cached per
# language, the keys deleted whenever a Section, an Article or an ArticleText is saved or
# deleted. The timeout only bounds how long a change made behind the signals' back
# (queryset.update, bulk_create) can go unseen.
SECTION_MENU_TIMEOUT = 60 * 60


def section_menu_key(language: str) -> str:
    return f"kabar:site:section-menu:{language}"


def sections_shown_key(language: str) -> str:
    """The sections the cached pages of ``language`` were last told to show in their menu."""
    return f"kabar:site:section-menu-shown:{language}"


def _sections_with_texts(language: str) -> list[Section]:
    # A reader of /en/ who follows a menu entry must find English articles there: a section
    # with none in the page's language is left out of that language's menu.
    published = ArticleText.objects.filter(
        article__section=OuterRef("pk"), language=language, is_published=True
    )
    # The built-in "unsorted" section (articles whose outlet label no editor mapped) is never listed.
    return [s for s in Section.objects.filter(Exists(published)) if not s.is_unsorted]


def _sections_with_texts_in(languages: list[str]) -> dict[str, list[str]]:
    """The slugs ``_sections_with_texts`` gives for each language, sorted: one query for all of them.

    The menu check runs after every commit that touched a text (once per ingested article).
    """
    flags = {
        f"shown_{n}": Exists(
            ArticleText.objects.filter(article__section=OuterRef("pk"), language=code, is_published=True)
        )
        for n, code in enumerate(languages)
    }
    rows = list(
        Section.objects.exclude(slug=UNSORTED_SECTION_SLUG).annotate(**flags).values_list("slug", *flags)
    )
    return {code: sorted(row[0] for row in rows if row[1 + n]) for n, code in enumerate(languages)}


def _section_links_from_database(language: str) -> list[SectionLink]:
    return [
        SectionLink(s.slug, s.name_for(language), s.get_absolute_url())
        for s in _sections_with_texts(language)
    ]


def section_links(language: str) -> list[SectionLink]:
    """The sections with published texts in ``language``, named as people named it in ``language``."""
    if connection.in_atomic_block:
        # Inside a transaction the rows may be uncommitted (or about to be rolled back): read
        # them, but never put them in a cache that other requests share.
        return _section_links_from_database(language)
    key = section_menu_key(language)
    links: list[SectionLink] | None = cache.get(key)
    if links is None:
        links = _section_links_from_database(language)
        cache.set(key, links, SECTION_MENU_TIMEOUT)
        # What the pages rendered from now on show, unless a check after a commit said otherwise.
        cache.add(sections_shown_key(language), sorted(link.slug for link in links), None)
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


def refresh_cached_pages_if_menus_changed() -> None:
    """After a commit: bump ``language:<code>`` for each language whose menu now lists other sections.

    The page cache tags a text's change with its own listings (home, its section), not with every
    page of its language; only the first (or last) published text of a section in a language
    changes the menu on all of them. The sections last announced are kept per language, without
    expiry (and re-recorded whenever a menu is read from the database); when that record is gone
    all the same (evicted), it is written again and nothing is bumped: refreshing every page of
    every language on each edit would cost more than a menu as stale as ``KABAR_PAGE_CACHE_TTL``.
    """
    # Already after the commit: bumped now, as the page cache's own batch does (not ``record``,
    # whose batch for this transaction may have run already), or with a deferred() block's tags.
    from kabar.pagecache.receivers import bump_after_commit
    from kabar.pagecache.tags import language_tag

    changed = []
    codes = site_language_codes()
    shown_now = _sections_with_texts_in(codes)
    for code in codes:
        now = shown_now[code]
        shown = cache.get(sections_shown_key(code))
        if shown != now:
            cache.set(sections_shown_key(code), now, None)
            if shown is not None:
                changed.append(language_tag(code))
    if changed:
        bump_after_commit(changed)


def _menus_check_gathered(_items: set[Any]) -> None:
    transaction.on_commit(refresh_cached_pages_if_menus_changed)  # at once, outside a transaction


def forget_menus_after_content_change(**_signal: Any) -> None:
    """A text or article changed: the menus may list other sections (checked once, at the commit).

    Inside ingestion's coalescing ``deferred()`` block: once, at the block's end.
    """
    from kabar.pagecache.receivers import after_commit_work

    forget_section_menus()
    if after_commit_work("kabar.site.menus", _menus_check_gathered, [None]):
        return
    # One check per transaction, however many texts it writes (an ingestion batch writes many).
    here = set(connection.savepoint_ids)
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if not any(entry[1] is refresh_cached_pages_if_menus_changed and entry[0] == here for entry in pending):
        transaction.on_commit(refresh_cached_pages_if_menus_changed)


def connect_section_menu_signals() -> None:
    post_save.connect(forget_section_menus, sender=Section, dispatch_uid="kabar-site-section-menu-save")
    post_delete.connect(forget_section_menus, sender=Section, dispatch_uid="kabar-site-section-menu-delete")
    for model in (Article, ArticleText):
        name = model.__name__.lower()
        post_save.connect(
            forget_menus_after_content_change, sender=model, dispatch_uid=f"kabar-site-menu-{name}-save"
        )
        post_delete.connect(
            forget_menus_after_content_change, sender=model, dispatch_uid=f"kabar-site-menu-{name}-delete"
        )


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

"""Sitemaps for search engines: an index, the home and section pages, articles per language, Google News.

Every location is under ``settings.SITE_URL``, as the pages' canonical links are, never under
the host name a crawler happened to ask: a sitemap URL that differs from the page's canonical
URL is one search engines discard. Each article URL lists its published language versions as
``xhtml:link`` hreflang alternates, plus ``x-default`` for the original, so every version of an
article points at the same set (the pairs are reciprocal by construction).

Article sitemaps run oldest first, so that a page (``?p=2``) keeps the same URLs as articles
arrive and its ``lastmod`` means something; the Google News sitemap is the newest 1,000 URLs of
the last 48 hours, as Google asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.db.models import Max, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_safe

from kabar.news.models import ArticleText, Media, Section
from kabar.site.context import DEFAULT_SITE_NAME
from kabar.site.languages import site_language_codes
from kabar.site.present import Version, absolute, versions

T = TypeVar("T")

NEWS_WINDOW = dt.timedelta(hours=48)  # Google News reads articles of the last two days only
NEWS_LIMIT = 1000  # and at most 1,000 URLs per news sitemap
IMAGES_PER_URL = 1000  # Google's limit of image:image entries per <url>
# Crawlers come back often; a news sitemap changes by the minute, the others by the hour.
SITEMAP_MAX_AGE = 3600
NEWS_MAX_AGE = 300
X_DEFAULT = "x-default"
PAGES = "pages"
NEWS = "news"
ARTICLES_PREFIX = "articles-"


def site_name() -> str:
    """The name the site prints as og:site_name and in its masthead (``kabar.site.context``)."""
    return str(getattr(settings, "SITE_NAME", DEFAULT_SITE_NAME))


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def image_locations(text: ArticleText) -> list[str]:
    """Absolute URLs of the pictures on ``text``'s page: its image blocks, then the article's media.

    Needs ``text.article.media`` prefetched. Plain-text captures name a photo without a picture
    ("capture:image-1"); those are no image a crawler could fetch, and are left out.
    """
    sources = [str(b.get("src") or "") for b in text.blocks if b.get("type") == "image"]
    sources += [m.src for m in text.article.media.all()]
    found: list[str] = []
    for src in sources:
        src = src.strip()
        if src.startswith(("http://", "https://", "/")) and (url := absolute(src)) not in found:
            found.append(url)
    return found[:IMAGES_PER_URL]


def _alternate(language: str, url: str) -> dict[str, str]:
    return {"lang_code": language, "location": url}


def article_alternates(article_versions: Sequence[Version]) -> list[dict[str, str]]:
    """hreflang alternates for one article: each published version, and x-default for the original.

    Without a published original (its language is not a site language, or it was withdrawn),
    x-default is the first version in site-language order, so that every version still names
    the same one.
    """
    alternates = [_alternate(v.language, v.absolute_url) for v in article_versions]
    default = next((v for v in article_versions if v.is_original), None) or next(iter(article_versions), None)
    if default is not None:
        alternates.append(_alternate(X_DEFAULT, default.absolute_url))
    return alternates


class SiteSitemap(Sitemap[T]):
    """A sitemap whose entries are built by ``entry``, with absolute locations under SITE_URL.

    Django's ``Sitemap._urls`` joins the request's protocol and host to ``location``; kabar's
    canonical URLs come from SITE_URL instead, so the entries are made here.
    """

    latest_lastmod: dt.datetime | None

    def entry(self, item: T) -> dict[str, Any]:
        raise NotImplementedError

    def get_urls(
        self, page: int | str = 1, site: Any = None, protocol: str | None = None
    ) -> list[dict[str, Any]]:
        entries = [self.entry(item) for item in self.paginator.page(page).object_list]
        lastmods = [e["lastmod"] for e in entries if e.get("lastmod")]
        # Django's view sends Last-Modified only when every entry has a lastmod.
        self.latest_lastmod = max(lastmods) if entries and len(lastmods) == len(entries) else None
        return entries


def _published() -> QuerySet[ArticleText]:
    return ArticleText.objects.filter(is_published=True, language__in=site_language_codes())


def _with_versions_and_media(texts: QuerySet[ArticleText]) -> QuerySet[ArticleText]:
    return texts.select_related("article").prefetch_related(
        Prefetch("article__texts", queryset=ArticleText.objects.filter(is_published=True).order_by()),
        Prefetch("article__media", queryset=Media.objects.order_by("pk")),
    )


class ArticleSitemap(SiteSitemap[ArticleText]):
    """Every published text in one language, with its language versions and images."""

    def __init__(self, language: str) -> None:
        self.language = language

    def items(self) -> QuerySet[ArticleText]:
        texts = ArticleText.objects.filter(language=self.language, is_published=True)
        return _with_versions_and_media(texts).order_by("article__published_at", "pk")

    def entry(self, item: ArticleText) -> dict[str, Any]:
        article_versions = versions(item.article, self.language)
        with translation.override(self.language):
            location = absolute(item.get_absolute_url())
        return {
            "location": location,
            "lastmod": _whole_seconds(item.modified_at),
            "alternates": article_alternates(article_versions),
            "images": image_locations(item),
        }

    def get_latest_lastmod(self) -> dt.datetime | None:
        # One aggregate rather than Django's default of computing every item's lastmod.
        latest = ArticleText.objects.filter(language=self.language, is_published=True).aggregate(
            latest=Max("modified_at")
        )["latest"]
        return _whole_seconds(latest) if latest else None


@dataclass(frozen=True)
class ListingPage:
    """The home page (``section`` None) or a section page, in one language."""

    language: str
    section: Section | None
    lastmod: dt.datetime | None
    languages: tuple[str, ...]  # the languages this page is listed in, site-language order

    def path(self, language: str) -> str:
        with translation.override(language):
            return self.section.get_absolute_url() if self.section else reverse("site:home")


class PagesSitemap(SiteSitemap[ListingPage]):
    """The home page in every site language, and each section page in the languages it has articles in.

    A section page with no article in a language is an empty list; search engines call that a
    thin page, so it is left out until something is published there.
    """

    def items(self) -> list[ListingPage]:
        languages = site_language_codes()
        latest = _published().values("language").annotate(latest=Max("modified_at"))
        home_lastmod = {row["language"]: row["latest"] for row in latest}
        by_section: dict[int, dict[str, dt.datetime]] = {}
        rows = _published().filter(article__section__isnull=False)
        for row in rows.values("language", "article__section").annotate(latest=Max("modified_at")):
            by_section.setdefault(row["article__section"], {})[row["language"]] = row["latest"]
        pages = [ListingPage(code, None, home_lastmod.get(code), tuple(languages)) for code in languages]
        for section in Section.objects.all():
            found = by_section.get(section.pk, {})
            present = tuple(code for code in languages if code in found)
            pages += [ListingPage(code, section, found[code], present) for code in present]
        return pages

    def entry(self, item: ListingPage) -> dict[str, Any]:
        alternates = [_alternate(code, absolute(item.path(code))) for code in item.languages]
        if item.section is None:
            # The root address sends each reader to the language their browser asks for: the
            # x-default Google describes for a home page that redirects by language.
            default = absolute(reverse("language-redirect"))
        else:
            code = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in item.languages else item.languages[0]
            default = absolute(item.path(code))
        alternates.append(_alternate(X_DEFAULT, default))
        return {
            "location": absolute(item.path(item.language)),
            "lastmod": _whole_seconds(item.lastmod) if item.lastmod else None,
            "alternates": alternates,
            "images": [],
        }

    def get_latest_lastmod(self) -> dt.datetime | None:
        latest = _published().aggregate(latest=Max("modified_at"))["latest"]
        return _whole_seconds(latest) if latest else None


def news_window_start(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - NEWS_WINDOW


class NewsSitemap(SiteSitemap[ArticleText]):
    """Google News: every language version of the articles of the last 48 hours, newest first, ≤ 1,000."""

    limit = NEWS_LIMIT

    def __init__(self) -> None:
        self.publication = site_name()

    def items(self) -> list[ArticleText]:
        recent = _published().filter(article__published_at__gte=news_window_start())
        texts = _with_versions_and_media(recent).order_by("-article__published_at", "-pk")
        return list(texts[:NEWS_LIMIT])

    def entry(self, item: ArticleText) -> dict[str, Any]:
        with translation.override(item.language):
            location = absolute(item.get_absolute_url())
        return {
            "location": location,
            "lastmod": _whole_seconds(item.modified_at),
            "images": image_locations(item),
            "news": {
                "publication_name": self.publication,
                "language": item.language.lower(),
                "publication_date": _whole_seconds(item.article.published_at),
                "title": item.title,
            },
        }

    def get_latest_lastmod(self) -> dt.datetime | None:
        return max((_whole_seconds(t.modified_at) for t in self.items()), default=None)


def sections() -> dict[str, SiteSitemap[Any]]:
    """The site's sitemaps by name, fresh for each request (``get_urls`` keeps state on the instance)."""
    found: dict[str, SiteSitemap[Any]] = {PAGES: PagesSitemap()}
    found.update({f"{ARTICLES_PREFIX}{code}": ArticleSitemap(code) for code in site_language_codes()})
    found[NEWS] = NewsSitemap()
    return found


def sitemap_url(name: str) -> str:
    return absolute(reverse("syndication:sitemap", kwargs={"section": name}))


def sitemap_urls() -> list[str]:
    """Absolute URLs of the index and of each sitemap it lists (first pages), for robots.txt."""
    return [absolute(reverse("syndication:sitemap-index"))] + [sitemap_url(name) for name in sections()]


@dataclass(frozen=True)
class IndexEntry:
    """One ``<sitemap>`` of the index (the names Django's own index template reads)."""

    location: str
    last_mod: dt.datetime | None


def index_items(maps: dict[str, SiteSitemap[Any]]) -> Iterable[IndexEntry]:
    """Each sitemap and each of its later pages (``?p=2`` …), as Django's index lists them."""
    for name, sitemap in maps.items():
        url = sitemap_url(name)
        lastmod = sitemap.get_latest_lastmod()
        yield IndexEntry(url, lastmod)
        for page in range(2, sitemap.paginator.num_pages + 1):
            yield IndexEntry(f"{url}?p={page}", lastmod)


def _sitemap_response(view: Any, max_age: int) -> Any:
    # conditional_page answers If-Modified-Since with 304 from the Last-Modified Django's views set.
    return require_safe(cache_control(public=True, max_age=max_age)(conditional_page(view)))


def _index(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(
        request,
        "syndication/sitemap_index.xml",
        {"sitemaps": list(index_items(sections()))},
        content_type="application/xml; charset=utf-8",
    )
    response.headers["X-Robots-Tag"] = "noindex"  # the sitemap itself is no page for a result list
    return response


def _section(request: HttpRequest, section: str) -> HttpResponse:
    template = "syndication/news_sitemap.xml" if section == NEWS else "syndication/sitemap.xml"
    return django_sitemap(
        request,
        dict(sections()),
        section=section,
        template_name=template,
        content_type="application/xml; charset=utf-8",
    )


index = _sitemap_response(_index, SITEMAP_MAX_AGE)
_plain_section = _sitemap_response(_section, SITEMAP_MAX_AGE)
_news_section = _sitemap_response(_section, NEWS_MAX_AGE)


def section(request: HttpRequest, section: str) -> HttpResponse:
    """One sitemap (``?p=`` for its later pages); the news sitemap is cached for less time."""
    view = _news_section if section == NEWS else _plain_section
    response: HttpResponse = view(request, section=section)
    return response

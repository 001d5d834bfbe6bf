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
from django.core.files.storage import default_storage
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_safe

from kabar.news.models import ArticleText, Media, Section
from kabar.site.context import DEFAULT_SITE_NAME
from kabar.site.languages import site_language_codes
from kabar.site.present import absolute
from kabar.syndication.feed_formats import xml_safe

T = TypeVar("T")

NEWS_WINDOW = dt.timedelta(hours=48)  # Google News reads articles of the last two days only
NEWS_LIMIT = 1000  # and at most 1,000 URLs per news sitemap
IMAGES_PER_URL = 1000  # Google's limit of image:image entries per <url>
# sitemaps.org caps a sitemap at 50,000 URLs *and* 50 MB. A kabar article URL carries its page, up
# to four hreflang alternates with slugs of up to 200 characters, and its pictures: about 3.5 kB
# with a dozen pictures, so 50,000 of them come to 175 MB. 10,000 keep a page near 35 MB, and a
# request for one costs a fifth of the work.
ARTICLES_PER_PAGE = 10_000
ID_CHUNK = 900  # under SQLite's oldest limit of 999 parameters a query
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


@dataclass(frozen=True)
class TextRow:
    """What a sitemap entry needs of one published text, read as plain values (no model rows)."""

    id: int
    article_id: int
    language: str
    slug: str
    status: str
    modified_at: dt.datetime
    published_at: dt.datetime  # the article's
    title: str = ""


_ROW_FIELDS = ("id", "article_id", "language", "slug", "status", "modified_at", "article__published_at")


def _rows(texts: QuerySet[ArticleText], *also: str) -> QuerySet[ArticleText, dict[str, Any]]:
    """``texts`` as value rows: bodies, leads and titles stay unread (a page may list 10,000)."""
    rows: QuerySet[ArticleText, dict[str, Any]] = texts.values(*_ROW_FIELDS, *also)
    return rows


def _row(values: dict[str, Any]) -> TextRow:
    return TextRow(
        id=values["id"],
        article_id=values["article_id"],
        language=values["language"],
        slug=values["slug"],
        status=values["status"],
        modified_at=values["modified_at"],
        published_at=values["article__published_at"],
        title=values.get("title", ""),
    )


def article_path(published_at: dt.datetime, slug: str) -> str:
    """``ArticleText.get_absolute_url`` from the values alone, in the active language.

    The same rule (local year and month, then the slug); ``test_sitemaps`` holds the two equal.
    """
    when = timezone.localtime(published_at)
    return reverse(
        "site:article", kwargs={"year": f"{when.year:04d}", "month": f"{when.month:02d}", "slug": slug}
    )


# The stand-in slug; the last occurrence in a reversed URL is the slug's place (only "/" follows it).
_SLUG_SLOT = "SLUG"


def _absolute_urls(rows: Iterable[TextRow]) -> dict[int, str]:
    """Each text's absolute URL by id.

    ``reverse`` costs a tenth of a millisecond, and a page may hold 40,000 URLs (alternates too): each language
    and month is reversed once with a stand-in slug, and each text's slug put in its place
    (slugs are plain ASCII, which reverse would not have quoted).
    """
    month_paths: dict[tuple[str, int, int], tuple[str, str]] = {}
    urls: dict[int, str] = {}
    for row in rows:
        when = timezone.localtime(row.published_at)
        key = (row.language, when.year, when.month)
        if key not in month_paths:
            with translation.override(row.language):
                before, _slot, after = absolute(article_path(row.published_at, _SLUG_SLOT)).rpartition(
                    _SLUG_SLOT
                )
            month_paths[key] = (before, after)
        before, after = month_paths[key]
        urls[row.id] = f"{before}{row.slug}{after}"
    return urls


def image_locations(media: Iterable[tuple[str, str]]) -> list[str]:
    """Absolute URLs of an article's pictures, from its ``Media`` rows' (image, url) in page order.

    Ingestion stores a ``Media`` row for every image block of the original, and translations
    show the same pictures, so the rows are the images of every language version; reading them
    spares loading each text's body. A stored file is served under MEDIA_URL; a plain-text
    capture knows a photo only by its caption (no file, no URL), which no crawler could fetch.
    """
    found: list[str] = []
    for image, url in media:
        # Sitemaps take URLs escaped; an outlet's may hold spaces or non-ASCII letters.
        src = iri_to_uri((default_storage.url(image) if image else url).strip())
        if src.startswith(("http://", "https://", "/")) and (src := absolute(src)) not in found:
            found.append(src)
    return found[:IMAGES_PER_URL]


@dataclass
class ArticleLinks:
    """For a page of texts: every published language version of their articles, their URLs and images."""

    versions: dict[int, list[TextRow]]  # by article id, in site-language order
    urls: dict[int, str]  # by text id
    images: dict[int, list[str]]  # by article id

    @classmethod
    def of(cls, rows: Sequence[TextRow]) -> ArticleLinks:
        order = {code: n for n, code in enumerate(site_language_codes())}
        texts = {r.id: r for r in rows}
        versions: dict[int, list[TextRow]] = {}
        media: dict[int, list[tuple[str, str]]] = {}
        article_ids = sorted({r.article_id for r in rows})
        # In pieces: a page holds up to 10,000 articles, more than SQLite takes as query parameters.
        for start in range(0, len(article_ids), ID_CHUNK):
            chunk = article_ids[start : start + ID_CHUNK]
            for values in _rows(_published().filter(article_id__in=chunk).order_by()):
                if values["id"] not in texts:
                    texts[values["id"]] = _row(values)
            media_rows = Media.objects.filter(article_id__in=chunk).order_by("pk")
            for article_id, image, url in media_rows.values_list("article_id", "image", "url"):
                media.setdefault(article_id, []).append((image, url))
        for text in sorted(texts.values(), key=lambda r: order.get(r.language, len(order))):
            versions.setdefault(text.article_id, []).append(text)
        return cls(
            versions=versions,
            urls=_absolute_urls(texts.values()),
            images={article_id: image_locations(media.get(article_id, [])) for article_id in article_ids},
        )

    def alternates(self, row: TextRow) -> list[dict[str, str]]:
        """hreflang alternates: each published version of the article, and x-default for the original.

        Without a published original in a site language (a French original read in vi and en, or
        a withdrawn one), x-default is the first version in site-language order, so that every
        version still names the same one.
        """
        found = self.versions.get(row.article_id) or [row]
        alternates = [_alternate(v.language, self.urls[v.id]) for v in found]
        default = next((v for v in found if v.status == ArticleText.Status.ORIGINAL), found[0])
        alternates.append(_alternate(X_DEFAULT, self.urls[default.id]))
        return alternates


def _alternate(language: str, url: str) -> dict[str, str]:
    return {"lang_code": language, "location": url}


class SiteSitemap(Sitemap[T]):
    """A sitemap whose entries are built by ``entry``, with absolute locations under SITE_URL.

    Django's ``Sitemap._urls`` joins the request's protocol and host to ``location``; kabar's
    canonical URLs come from SITE_URL instead, so the entries are made here.
    """

    latest_lastmod: dt.datetime | None

    def entries(self, items: Sequence[T]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get_urls(
        self, page: int | str = 1, site: Any = None, protocol: str | None = None
    ) -> list[dict[str, Any]]:
        entries = self.entries(list(self.paginator.page(page).object_list))
        # The response's Last-Modified, on which its 304s are decided. Not the newest entry's
        # lastmod: an unpublished text leaves the sitemap and changes its versions' alternates
        # without touching any text still listed. (Django's view sends it only when every entry
        # has a lastmod.)
        complete = bool(entries) and all(e.get("lastmod") for e in entries)
        self.latest_lastmod = self.get_latest_lastmod() if complete else None
        return entries

    def get_latest_lastmod(self) -> dt.datetime | None:
        """The newest change that may alter this sitemap, unpublishing included (at least every entry's lastmod)."""
        raise NotImplementedError


def _in_site_languages() -> QuerySet[ArticleText]:
    return ArticleText.objects.filter(language__in=site_language_codes())


def _published() -> QuerySet[ArticleText]:
    return _in_site_languages().filter(is_published=True)


class ArticleSitemap(SiteSitemap[dict[str, Any]]):
    """Every published text in one language, with its language versions and images."""

    limit = ARTICLES_PER_PAGE

    def __init__(self, language: str) -> None:
        self.language = language

    def items(self) -> QuerySet[ArticleText, dict[str, Any]]:
        texts = ArticleText.objects.filter(language=self.language, is_published=True)
        return _rows(texts.order_by("article__published_at", "pk"))

    def entries(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = [_row(values) for values in items]
        links = ArticleLinks.of(rows)
        return [
            {
                "location": links.urls[row.id],
                "lastmod": _whole_seconds(row.modified_at),
                "alternates": links.alternates(row),
                "images": links.images[row.article_id],
            }
            for row in rows
        ]

    def get_latest_lastmod(self) -> dt.datetime | None:
        """The newest change, published or not, among the language versions of this language's articles.

        Unpublishing a text removes its entry, and unpublishing a translation changes the
        alternates of every version: both are changes of this sitemap. One aggregate rather
        than Django's default of computing every item's lastmod.
        """
        articles = ArticleText.objects.filter(language=self.language).values("article_id")
        latest = (
            _in_site_languages()
            .filter(article_id__in=articles)
            .aggregate(latest=Max("modified_at"))["latest"]
        )
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
        for section in Section.objects.public():  # "unsorted" has no page to list
            found = by_section.get(section.pk, {})
            present = tuple(code for code in languages if code in found)
            pages += [ListingPage(code, section, found[code], present) for code in present]
        return pages

    def entries(self, items: Sequence[ListingPage]) -> list[dict[str, Any]]:
        return [self.entry(item) for item in items]

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
        # Published or not: unpublishing the newest text changes the home and section pages.
        latest = _in_site_languages().aggregate(latest=Max("modified_at"))["latest"]
        return _whole_seconds(latest) if latest else None


def news_window_start(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - NEWS_WINDOW


class NewsSitemap(SiteSitemap[dict[str, Any]]):
    """Google News: every language version of the articles of the last 48 hours, newest first, ≤ 1,000."""

    limit = NEWS_LIMIT

    def __init__(self) -> None:
        self.publication = site_name()

    def items(self) -> list[dict[str, Any]]:
        recent = _published().filter(article__published_at__gte=news_window_start())
        return list(_rows(recent.order_by("-article__published_at", "-pk"), "title")[:NEWS_LIMIT])

    def entries(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = [_row(values) for values in items]
        links = ArticleLinks.of(rows)
        return [
            {
                "location": links.urls[row.id],
                "lastmod": _whole_seconds(row.modified_at),
                "images": links.images[row.article_id],
                "news": {
                    "publication_name": self.publication,
                    "language": row.language.lower(),
                    "publication_date": _whole_seconds(row.published_at),
                    # A control character pasted into one title would make the whole sitemap
                    # ill-formed XML, which Google rejects entirely: the feeds' cleaning applies.
                    "title": xml_safe(row.title),
                },
            }
            for row in rows
        ]

    def get_latest_lastmod(self) -> dt.datetime | None:
        # Published or not: an unpublished text leaves the news sitemap.
        recent = _in_site_languages().filter(article__published_at__gte=news_window_start())
        latest = recent.aggregate(latest=Max("modified_at"))["latest"]
        return _whole_seconds(latest) if latest else None


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

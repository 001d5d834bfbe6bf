"""schema.org JSON-LD for reader pages: NewsArticle and BreadcrumbList on articles, WebSite on the home page.

Search engines read these blocks to show an article with its headline, picture, date and
authors, and to credit the partner outlet: every kabar article is a republication, so the
markup says where it came from (``isBasedOn``, ``sourceOrganization``) and, for translations,
which page it was translated from (``translationOfWork``). The values are the ones the page
itself shows; nothing here is invented for search engines.

The blocks are data inside ``<script type="application/ld+json">``. Browsers never run that type,
so the site's Content-Security-Policy (``script-src 'self'``) neither blocks it nor needs a nonce,
but the HTML parser still ends the element at the first ``</script``: ``JsonLd`` escapes ``<``,
``>`` and ``&`` as JSON ``\\u`` escapes so no headline or caption can close it early.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.images import get_image_dimensions
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from kabar.news.models import Article, ArticleText, Author, Outlet
from kabar.site.body import Figure
from kabar.site.context import DEFAULT_SITE_NAME
from kabar.site.languages import og_locale, site_language_codes
from kabar.site.present import Version, absolute

SCHEMA_ORG = "https://schema.org"
# Google's Article guidelines: longer headlines may be cut off in search results.
HEADLINE_MAX_CHARS = 110
# The square web-app icon doubles as the publisher logo (Google wants a logo a crawler can fetch).
LOGO_STATIC_PATH = "syndication/icon-512.png"

# The characters that could end the <script> element or open a comment inside it, as JSON escapes
# (the same set Django's json_script escapes).
_SCRIPT_SAFE = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})

Data = dict[str, Any]


def script_text(data: Data) -> str:
    """``data`` as JSON that is safe between ``<script type="application/ld+json">`` tags."""
    # ensure_ascii=False keeps Vietnamese headlines readable in the page source; the escapes
    # leave the JSON value unchanged for any parser.
    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).translate(_SCRIPT_SAFE)


class JsonLd:
    """One JSON-LD document; templates print it as safe script text, tests read ``data``."""

    def __init__(self, data: Data) -> None:
        self.data = data

    def __html__(self) -> SafeString:
        # Safe to mark: script_text escapes every character that could end the element.
        return mark_safe(script_text(self.data))

    # Templates call str() before escaping, so str() must already be marked safe.
    __str__ = __html__

    def __repr__(self) -> str:
        return f"JsonLd({self.data.get('@type')!r})"


def site_name() -> str:
    return str(getattr(settings, "SITE_NAME", DEFAULT_SITE_NAME))


@functools.cache
def _logo_file() -> tuple[str, int | None, int | None] | None:
    """The static logo's path and pixel size, or None while no app ships it (looked up once)."""
    found = finders.find(LOGO_STATIC_PATH)
    if not found:
        return None
    path = found[0] if isinstance(found, list) else found
    with open(path, "rb") as handle:
        width, height = get_image_dimensions(handle)
    return LOGO_STATIC_PATH, width, height


def publisher() -> Data:
    """kabar itself: it publishes the page (the outlet wrote the article; see ``source_organization``)."""
    organization: Data = {
        "@type": "Organization",
        "@id": f"{settings.SITE_URL}/#organization",
        "name": site_name(),
        "url": f"{settings.SITE_URL}/",
    }
    logo = _logo_file()
    if logo is not None:
        path, width, height = logo
        organization["logo"] = {"@type": "ImageObject", "url": absolute(static(path))}
        if width and height:
            organization["logo"].update(width=width, height=height)
    return organization


def source_organization(outlet: Outlet) -> Data:
    """The partner outlet that wrote the article and keeps its rights."""
    organization: Data = {"@type": "NewsMediaOrganization", "name": outlet.name, "url": outlet.home_url}
    if outlet.logo:
        organization["logo"] = absolute(outlet.logo.url)
    return organization


def image_object(figure: Figure) -> Data:
    # An outlet's picture URL may hold spaces or non-ASCII letters: crawlers want it escaped.
    url = iri_to_uri(absolute(figure.src))
    image: Data = {"@type": "ImageObject", "url": url, "contentUrl": url}
    if figure.width and figure.height:
        image.update(width=figure.width, height=figure.height)
    if figure.alt:
        image["caption"] = figure.alt
    if figure.credit:
        image["creditText"] = figure.credit
    return image


def person(author: Author) -> Data:
    # The author page in the page's language: the active language when this runs.
    return {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}


def date_modified(article: Article) -> datetime:
    """When the outlet last changed the article (its publication time if never, or if the dates disagree)."""
    return max(article.updated_at or article.published_at, article.published_at)


def headline(title: str) -> str:
    return Truncator(" ".join(title.split())).chars(HEADLINE_MAX_CHARS)


def _version_reference(version: Version) -> Data:
    return {
        "@type": "NewsArticle",
        "@id": f"{version.absolute_url}#article",
        "url": version.absolute_url,
        "inLanguage": version.language,
    }


def based_on_url(article: Article) -> str:
    """The page the article is based on: a republished copy's original (when on the web), else its source."""
    linked = article.republished_from if article.republished_from_id else None
    original = linked.source_url if linked is not None else article.original_url
    return original if original.startswith(("http://", "https://")) else article.source_url


def news_article(
    text: ArticleText,
    *,
    canonical: str,
    description: str,
    images: Sequence[Figure],
    authors: Sequence[Author],
    versions: Sequence[Version],
    section_name: str,
) -> Data:
    """The ``NewsArticle`` for the page of ``text`` (``versions``: its published language versions)."""
    article = text.article
    data: Data = {
        "@context": SCHEMA_ORG,
        "@type": "NewsArticle",
        "@id": f"{canonical}#article",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "headline": headline(text.title),
        "inLanguage": text.language,
        "datePublished": article.published_at.isoformat(),
        "dateModified": date_modified(article).isoformat(),
        # Without a byline the outlet is the author: the article is still its work, not kabar's.
        "author": [person(a) for a in authors] or [source_organization(article.outlet)],
        "publisher": publisher(),
        # A republished copy is based on the original (kabar.ingest.republication), not on the copy.
        "isBasedOn": based_on_url(article),
        "sourceOrganization": source_organization(article.outlet),
        "copyrightHolder": source_organization(article.outlet),
        "isAccessibleForFree": True,
    }
    if description:
        data["description"] = description
    if images:
        data["image"] = [image_object(f) for f in images]
    if section_name:
        data["articleSection"] = section_name
    if text.status == ArticleText.Status.ORIGINAL:
        translations = [_version_reference(v) for v in versions if not v.is_current]
        if translations:
            data["workTranslation"] = translations
    else:
        original = next((v for v in versions if v.is_original), None)
        # The original may not be served here (unpublished, or a language the site does not
        # offer); then the translation is of the outlet's own page.
        data["translationOfWork"] = (
            _version_reference(original)
            if original is not None
            else {"@type": "NewsArticle", "url": article.source_url, "inLanguage": article.source_language}
        )
    return data


def breadcrumbs(crumbs: Sequence[tuple[str, str]]) -> Data:
    """A ``BreadcrumbList`` of (name, absolute URL) from the home page down to this page."""
    return {
        "@context": SCHEMA_ORG,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def article_breadcrumbs(text: ArticleText, canonical: str, section_name: str) -> Data:
    crumbs = [(site_name(), absolute(reverse("site:home")))]
    section = text.article.public_section
    if section is not None:
        crumbs.append((section_name, absolute(section.get_absolute_url())))
    crumbs.append((" ".join(text.title.split()), canonical))
    return breadcrumbs(crumbs)


def article_structured_data(
    text: ArticleText,
    *,
    canonical: str,
    description: str,
    images: Sequence[Figure],
    authors: Sequence[Author],
    versions: Sequence[Version],
    section_name: str,
) -> list[JsonLd]:
    return [
        JsonLd(
            news_article(
                text,
                canonical=canonical,
                description=description,
                images=images,
                authors=authors,
                versions=versions,
                section_name=section_name,
            )
        ),
        JsonLd(article_breadcrumbs(text, canonical, section_name)),
    ]


def web_site(language: str, description: str) -> Data:
    """The site in ``language`` (the active language), with its search as a ``SearchAction``."""
    home = absolute(reverse("site:home"))
    search = absolute(reverse("site:search"))
    data: Data = {
        "@context": SCHEMA_ORG,
        "@type": "WebSite",
        "@id": f"{home}#website",
        "url": home,
        "name": site_name(),
        "inLanguage": language,
        "publisher": publisher(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
    if description:
        data["description"] = description
    return data


def home_metadata(language: str, description: str) -> dict[str, Any]:
    """What the home page adds to its head: the ``WebSite`` block, OpenGraph and a Twitter card."""
    home = absolute(reverse("site:home"))
    title = f"{site_name()} · {gettext('Latest news')}"  # as the page's <title>
    og = [
        ("og:type", "website"),
        ("og:title", title),
        ("og:description", description),
        ("og:url", home),
        ("og:locale", og_locale(language)),
    ]
    og += [("og:locale:alternate", og_locale(code)) for code in site_language_codes() if code != language]
    return {
        "structured_data": [JsonLd(web_site(language, description))],
        "og": og,
        "twitter": [
            ("twitter:card", "summary"),
            ("twitter:title", title),
            ("twitter:description", description),
        ],
    }

"""``/robots.txt``: where the sitemaps are, and which addresses stay out of search engines' indexes.

Kept out: the admin, the bilingual compare view (``?compare=``, the same article twice; its page
says noindex too) and search result pages (``/<lang>/search/``: endless combinations of words
and filters, each a thin page). Everything else, article images under /media/ included, may be crawled.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from kabar.site.compare import COMPARE_PARAMETER
from kabar.site.languages import site_language_codes
from kabar.syndication.sitemaps import sitemap_urls

# Crawlers re-read robots.txt about once a day (Google caches it up to 24 hours).
ROBOTS_MAX_AGE = 86400


def robots_lines() -> list[str]:
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        # "*" and "$" are understood by Google, Bing and Yandex; the parameter may come first or later.
        f"Disallow: /*?{COMPARE_PARAMETER}=",
        f"Disallow: /*&{COMPARE_PARAMETER}=",
    ]
    # Search lives at /<lang>/search/: named per language, because "/*/search/" would also keep
    # out an article or author whose slug is "search".
    for code in site_language_codes():
        with translation.override(code):
            lines.append(f"Disallow: {reverse('site:search')}")
    lines += ["Allow: /", ""]
    lines += [f"Sitemap: {url}" for url in sitemap_urls()]
    return lines


@require_safe
@cache_control(public=True, max_age=ROBOTS_MAX_AGE)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8")

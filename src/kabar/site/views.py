"""Reader pages: home, section, author and article, each in the language of its URL prefix."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext

from kabar.news.models import ArticleText, Author, Media, Section
from kabar.site.article_page import article_context
from kabar.site.compare import COMPARE_PARAMETER, compare_context
from kabar.site.pagination import ListPage, list_page
from kabar.site.present import absolute, teaser
from kabar.site.queries import article_text, latest_per_section, list_texts, published_texts
from kabar.site.structured_data import home_metadata

HOME_LATEST = 7
HOME_PER_SECTION = 4
LIST_PAGE_SIZE = 20


def language_redirect(request: HttpRequest) -> HttpResponse:
    """``/``: send the reader to the site language their browser prefers (a cookie set by choice wins)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = HttpResponseRedirect(reverse("site:home"))
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def home(request: HttpRequest) -> HttpResponse:
    # Only articles that exist in the page's language are listed: a reader of /id/ gets Indonesian
    # titles that lead to Indonesian pages, never a mix of languages.
    language = translation.get_language()
    latest = list(
        published_texts(language).prefetch_related(
            Prefetch("article__media", queryset=Media.objects.order_by("pk"))
        )[:HOME_LATEST]
    )
    by_section: dict[int, tuple[Section, list[ArticleText]]] = {}
    for text in latest_per_section(language, HOME_PER_SECTION, excluding=[t.pk for t in latest]):
        section = text.article.section
        assert section is not None  # the query keeps sectioned articles only
        by_section.setdefault(section.pk, (section, []))[1].append(text)
    sections = sorted(by_section.values(), key=lambda item: (item[0].position, item[0].slug))
    description = gettext("News from partner outlets, in your language.")
    context = {
        "lead_story": teaser(latest[0], with_figure=True) if latest else None,
        "latest": [teaser(t) for t in latest[1:]],
        "section_groups": [
            {
                "name": section.name_for(language),
                "slug": section.slug,
                "url": section.get_absolute_url(),
                "teasers": [teaser(t) for t in texts],
            }
            for section, texts in sections
        ],
        "description": description,
    }
    context.update(home_metadata(language, description))
    return render(request, "site/home.html", context)


def _list_canonical(request: HttpRequest, page: ListPage) -> str:
    url = absolute(request.path)
    return f"{url}?{page.query}" if page.query else url


def section(request: HttpRequest, section: str) -> HttpResponse:
    language = translation.get_language()
    found = get_object_or_404(Section, slug=section)
    page = list_page(request, list_texts(language).filter(article__section=found), LIST_PAGE_SIZE)
    return render(
        request,
        "site/section.html",
        {
            "section_name": found.name_for(language),
            "current_section": found.slug,
            "page": page,
            "teasers": [teaser(t) for t in page.texts],
            "canonical_url": _list_canonical(request, page),
        },
    )


def author(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language()
    found = get_object_or_404(Author.objects.select_related("outlet"), slug=slug)
    page = list_page(request, list_texts(language).filter(article__authors=found), LIST_PAGE_SIZE)
    outlet = found.outlet
    return render(
        request,
        "site/author.html",
        {
            "author": found,
            "outlet_name": format_html('<span lang="{}">{}</span>', outlet.language, outlet.name)
            if outlet
            else "",
            "page": page,
            "teasers": [teaser(t) for t in page.texts],
            "canonical_url": _list_canonical(request, page),
        },
    )


def article(request: HttpRequest, year: str, month: str, slug: str) -> HttpResponse:
    text = article_text(translation.get_language(), slug)
    if text is None:
        raise Http404("No published text with this slug in this language.")
    # The slug alone identifies the text; a wrong year or month (an old link, a corrected date)
    # is sent to the one right address instead of failing.
    path = text.get_absolute_url()
    if request.path != path:
        return HttpResponsePermanentRedirect(path)
    context = article_context(text)
    context.update(compare_context(text, request.GET.get(COMPARE_PARAMETER, ""), context["body"]))
    return render(request, "site/article.html", context)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "site/404.html", status=404)

"""Reader pages: home, section, author and article, each in the language of its URL prefix."""

from __future__ import annotations

import json

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import JSONObject
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
from kabar.site.languages import endonym, site_language_codes
from kabar.site.pagination import ListPage, list_page
from kabar.site.present import absolute, teaser
from kabar.site.queries import (
    article_text,
    articles_text_count,
    latest_per_section,
    latest_texts,
    list_texts,
)
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


MEDIA_FIELDS = ("pk", "image", "url", "width", "height", "captions", "credit", "rendered_captions")


def with_pictures(texts: list[ArticleText]) -> None:
    """Every listed article's images, in one query for the whole page (its teasers show one)."""
    prefetch_related_objects(texts, Prefetch("article__media", queryset=Media.objects.order_by("pk")))


def with_first_picture(texts: QuerySet[ArticleText]) -> QuerySet[ArticleText]:
    """The article's first image joined into the list's own query (a teaser shows one, and a
    paginated list keeps its one query)."""
    first = Media.objects.filter(article_id=OuterRef("article_id")).order_by("pk")
    return texts.annotate(
        first_media=Subquery(first.values(json=JSONObject(**{f: f for f in MEDIA_FIELDS}))[:1])
    )


def first_picture(text: ArticleText) -> list[Media]:
    """The text's annotated ``first_media`` as the list of images ``teaser`` takes."""
    row = getattr(text, "first_media", None)
    if isinstance(row, str):
        row = json.loads(row)
    if not row:
        return []
    # SQLite nests a JSON column in json_object() as its text; PostgreSQL as JSON.
    for field in ("captions", "rendered_captions"):
        if isinstance(row.get(field), str):
            row[field] = json.loads(row[field])
    return [Media(article_id=text.article_id, **row)]


def home(request: HttpRequest) -> HttpResponse:
    # Only articles that exist in the page's language are listed: a reader of /id/ gets Indonesian
    # titles that lead to Indonesian pages, never a mix of languages.
    language = translation.get_language()
    latest = list(latest_texts(language, HOME_LATEST))
    per_section = latest_per_section(language, HOME_PER_SECTION, excluding=[t.pk for t in latest])
    with_pictures(latest + per_section)
    by_section: dict[int, tuple[Section, list[ArticleText]]] = {}
    for text in per_section:
        section = text.article.section
        assert section is not None  # the query keeps sectioned articles only
        by_section.setdefault(section.pk, (section, []))[1].append(text)
    sections = sorted(by_section.values(), key=lambda item: (item[0].position, item[0].slug))
    description = gettext("News from partner outlets, in your language.")
    context = {
        "lead_story": teaser(latest[0], with_figure=True) if latest else None,
        "latest": [teaser(t, with_picture=True) for t in latest[1:]],
        "section_groups": [
            {
                "name": section.name_for(language),
                "slug": section.slug,
                "url": section.get_absolute_url(),
                "teasers": [teaser(t, with_picture=True) for t in texts],
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
    found = get_object_or_404(Section.objects.public(), slug=section)  # "unsorted" has no page
    texts = with_first_picture(list_texts(language).filter(article__section=found))
    page = list_page(
        request, texts, LIST_PAGE_SIZE, count=lambda: articles_text_count(language, Q(section=found))
    )
    return render(
        request,
        "site/section.html",
        {
            "section_name": found.name_for(language),
            "current_section": found.slug,
            "page": page,
            "teasers": [teaser(t, pictures=first_picture(t)) for t in page.texts],
            "canonical_url": _list_canonical(request, page),
        },
    )


def author(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language()
    found = get_object_or_404(Author.objects.select_related("outlet"), slug=slug)
    page = list_page(
        request,
        list_texts(language).filter(article__authors=found),
        LIST_PAGE_SIZE,
        count=lambda: articles_text_count(language, Q(authors=found)),
    )
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


def existing_versions(slug: str) -> list[dict[str, str]]:
    """The published versions of the article(s) a slug names in any language, published or not.

    A reader who swaps the language prefix of a link (/en/…/<the Vietnamese slug>/), or follows a
    link to a text since unpublished, is shown where the article can be read instead.
    """
    article_ids = ArticleText.objects.filter(slug=slug).values("article_id")
    texts = (
        ArticleText.objects.filter(article_id__in=article_ids, is_published=True)
        .select_related("article")
        .order_by("article_id")
    )
    order = {code: n for n, code in enumerate(site_language_codes())}
    found = []
    for text in sorted(
        (t for t in texts if t.language in order), key=lambda t: (t.article_id, order[t.language])
    ):
        with translation.override(text.language):
            url = text.get_absolute_url()
        found.append(
            {"language": text.language, "name": endonym(text.language), "title": text.title, "url": url}
        )
    return found


def article(request: HttpRequest, year: str, month: str, slug: str) -> HttpResponse:
    text = article_text(translation.get_language(), slug)
    if text is None:
        versions = existing_versions(slug)
        if not versions:
            raise Http404("No published text with this slug in this language.")
        # Still a 404 (this address has no page: search engines must not index it), with a way on.
        return render(request, "site/404.html", {"existing_versions": versions}, status=404)
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

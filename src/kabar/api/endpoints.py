"""The read endpoints: articles, one article (JSON or ninjs), sections, authors, outlets, stories, search.

Each builds typed schema objects and hands them to ``responses`` (fields=, ETag, 304); the
``response=`` declarations are what the OpenAPI document says.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from kabar.api import present, queries, responses, schemas
from kabar.api.auth import principal
from kabar.api.errors import READ_ERRORS, ApiError, ApiNotFound
from kabar.api.pagination import Keyset, page
from kabar.api.params import (
    MAX_ID,
    ArticleFilters,
    ArticleOptions,
    AuthorParams,
    OutletParams,
    SearchParams,
    SectionParams,
    StoryOptions,
    StoryParams,
)
from kabar.news.models import Article, ArticleText, Outlet, Section
from kabar.site.present import absolute

router = Router()

NINJS = "application/ninjs+json"
ARTICLES = Keyset("articles", ("published_at", "pk"), descending=True)
SECTIONS = Keyset("sections", ("position", "pk"))
AUTHORS = Keyset("authors", ("pk",))
OUTLETS = Keyset("outlets", ("pk",))
STORIES = Keyset("stories", ("pk",), descending=True)  # newest story first; ids never change


def _errors() -> dict[int, type[schemas.ErrorBody]]:
    return dict.fromkeys(READ_ERRORS, schemas.ErrorBody)


def _responses(ok: type[Schema]) -> dict[int, Any]:
    return {200: ok, 304: None, **_errors()}


@router.get(
    "/articles",
    response=_responses(schemas.ArticlePage),
    url_name="articles",
    summary="Articles, newest first",
    tags=["articles"],
)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> HttpResponse:
    """Published articles (every text for keys with read-unpublished), newest first, by cursor."""
    fields = responses.requested_fields(filters.fields, responses.field_names(schemas.ArticleItem))
    caller = principal(request)
    rows = queries.articles_for_listing(caller)
    if filters.language:
        in_language = queries.visible_texts(caller).filter(article=OuterRef("pk"), language=filters.language)
        rows = rows.filter(Exists(in_language))
    if filters.section:
        rows = rows.filter(section__slug=filters.section)
    if filters.outlet:
        rows = rows.filter(outlet__slug=filters.outlet)
    if filters.author:
        rows = rows.filter(authors__slug=filters.author)
    if filters.story:
        rows = rows.filter(story_membership__story_id=filters.story)
    if filters.updated_since:
        changed_text = queries.visible_texts(caller).filter(
            article=OuterRef("pk"), modified_at__gte=filters.updated_since
        )
        rows = rows.filter(Q(modified_at__gte=filters.updated_since) | Exists(changed_text))
    found, next_link = page(request, rows, ARTICLES, limit=filters.limit, cursor=filters.cursor)
    items = [present.article_item(a, filters.language) for a in found]
    return responses.render_page(request, items, next_link, fields)


def _ninjs_version(request: HttpRequest, options: ArticleOptions) -> int | None:
    """2 or 3 when ninjs was asked for (``format=`` first, then Accept), None for kabar's JSON."""
    if options.format == "ninjs2":
        return 2
    if options.format == "ninjs3":
        return 3
    if "format" in request.GET:
        return None  # format=json given explicitly
    for media_range in request.headers.get("Accept", "").split(","):
        media_type, *params = (p.strip() for p in media_range.split(";"))
        if media_type.lower() == NINJS:
            version = next((p.split("=", 1)[1].strip('" ') for p in params if p.startswith("version=")), "3")
            return 2 if version.startswith("2") else 3
    return None


def _ninjs_text(article: Article, language: str | None) -> ArticleText:
    texts = list(article.texts.all())
    if language:
        chosen = next((t for t in texts if t.language == language), None)
        if chosen is None:
            raise ApiNotFound(f"article {article.pk} has no {language} version")
        return chosen
    return next((t for t in texts if t.status == ArticleText.Status.ORIGINAL), texts[0])


@router.get(
    "/articles/{article_id}",
    response=_responses(schemas.ArticleDetail),
    url_name="article",
    summary="One article with every language version (or one version as ninjs)",
    tags=["articles"],
)
def get_article(request: HttpRequest, article_id: int, options: Query[ArticleOptions]) -> HttpResponse:
    """The article with every visible language version: status, MT engine, QA, stale, body blocks.

    ``format=ninjs2|ninjs3`` or ``Accept: application/ninjs+json`` (ninjs 3; ``;version=2`` for 2)
    gives one language version as IPTC ninjs instead, as ``application/ninjs+json``.
    """
    if not 1 <= article_id <= MAX_ID:
        raise ApiNotFound(f"no article {article_id}")
    caller = principal(request)
    article = queries.articles_in_full(caller).filter(pk=article_id).first()
    if article is None:
        raise ApiNotFound(f"no article {article_id}")
    last_modified = present.modified_at(article)
    version = _ninjs_version(request, options)
    if version is not None:
        if options.fields:
            raise ApiError(400, "fields= applies to the JSON format, not to ninjs", code="unknown_field")
        from kabar.api.ninjs import to_ninjs

        text = _ninjs_text(article, options.language)
        text.article = article  # the prefetched one, with texts, media and authors
        item = to_ninjs(text, version=version, absolute=absolute)
        return responses.render(request, item, content_type=NINJS, last_modified=last_modified)
    fields = responses.requested_fields(options.fields, responses.field_names(schemas.ArticleDetail))
    body = responses.thin(present.article_detail(article).model_dump(mode="json"), fields)
    return responses.render(request, body, last_modified=last_modified)


@router.get("/sections", response=_responses(schemas.SectionPage), url_name="sections", tags=["directory"])
def list_sections(request: HttpRequest, paging: Query[SectionParams]) -> HttpResponse:
    """Sections in the site's order, names per language (kept by people, never machine-translated)."""
    fields = responses.requested_fields(paging.fields, responses.field_names(schemas.SectionItem))
    found, next_link = page(
        request, Section.objects.public(), SECTIONS, limit=paging.limit, cursor=paging.cursor
    )
    return responses.render_page(request, [present.section_item(s) for s in found], next_link, fields)


@router.get("/authors", response=_responses(schemas.AuthorPage), url_name="authors", tags=["directory"])
def list_authors(request: HttpRequest, paging: Query[AuthorParams]) -> HttpResponse:
    """Authors of a visible article, oldest entry first."""
    fields = responses.requested_fields(paging.fields, responses.field_names(schemas.AuthorItem))
    rows = queries.visible_authors(principal(request)).select_related("outlet")
    found, next_link = page(request, rows, AUTHORS, limit=paging.limit, cursor=paging.cursor)
    return responses.render_page(request, [present.author_item(a) for a in found], next_link, fields)


@router.get("/outlets", response=_responses(schemas.OutletPage), url_name="outlets", tags=["directory"])
def list_outlets(request: HttpRequest, paging: Query[OutletParams]) -> HttpResponse:
    """The partner outlets kabar republishes, with their licence."""
    fields = responses.requested_fields(paging.fields, responses.field_names(schemas.OutletItem))
    found, next_link = page(request, Outlet.objects.all(), OUTLETS, limit=paging.limit, cursor=paging.cursor)
    return responses.render_page(request, [present.outlet_item(o) for o in found], next_link, fields)


@router.get("/stories", response=_responses(schemas.StoryPage), url_name="stories", tags=["stories"])
def list_stories(request: HttpRequest, paging: Query[StoryParams]) -> HttpResponse:
    """Stories with a visible article, newest first, each with its visible members oldest first."""
    fields = responses.requested_fields(paging.fields, responses.field_names(schemas.StoryItem))
    rows = queries.visible_stories(principal(request))
    found, next_link = page(request, rows, STORIES, limit=paging.limit, cursor=paging.cursor)
    return responses.render_page(request, [present.story_item(s) for s in found], next_link, fields)


@router.get(
    "/stories/{story_id}",
    response=_responses(schemas.StoryItem),
    url_name="story",
    tags=["stories"],
)
def get_story(request: HttpRequest, story_id: int, options: Query[StoryOptions]) -> HttpResponse:
    """One story and its visible members."""
    wanted = responses.requested_fields(options.fields, responses.field_names(schemas.StoryItem))
    story = None
    if 1 <= story_id <= MAX_ID:
        story = queries.visible_stories(principal(request)).filter(pk=story_id).first()
    if story is None:
        raise ApiNotFound(f"no story {story_id}")
    return responses.render(
        request, responses.thin(present.story_item(story).model_dump(mode="json"), wanted)
    )


@router.get("/search", response=_responses(schemas.SearchPage), url_name="search", tags=["search"])
def search(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    """Full-text search of the published texts, best first: one hit per article (its best text)."""
    from kabar.core.discover.search import SearchFilters, SearchQuery
    from kabar.search.services import search as run_search

    fields = responses.requested_fields(params.fields, responses.field_names(schemas.SearchHitItem))
    number = _search_page(params.cursor)
    query = SearchQuery(
        text=params.q,
        language=params.language or settings.LANGUAGE_CODE,
        filters=SearchFilters(
            section=params.section,
            outlet=params.outlet,
            since=params.since,
            until=params.until,
            original_language=params.original_language,
        ),
        page=number,
        per_page=params.limit,
    )
    results = run_search(query)
    # The index holds published texts only, but it can lag behind them (a bulk update sends no
    # signal; an index update can fail): the rows decide, and a hit whose text is no longer
    # published is left out, its title and snippet with it. The rows also give dates and pages.
    texts = {
        t.pk: t
        for t in ArticleText.objects.filter(
            pk__in=[h.text_id for h in results.hits], is_published=True
        ).select_related("article")
    }
    items = []
    for hit in results.hits:
        text = texts.get(hit.text_id)
        if text is None:
            continue
        items.append(
            schemas.SearchHitItem(
                id=hit.article_id,
                href=present.api_url("article", article_id=hit.article_id),
                text_language=hit.language,
                score=hit.score,
                title_html=hit.title_html,
                snippet_html=hit.snippet_html,
                url=present.site_url(text, text.language),
                published_at=text.article.published_at,
            )
        )
    more = number < MAX_SEARCH_PAGE and number * params.limit < results.total and bool(results.hits)
    next_link = page_link(request, number + 1) if more else None
    return responses.render_page(
        request, items, next_link, fields, total=results.total, message=results.message
    )


# Search results are ranked, so they page by number; the number travels in the same kind of
# signed cursor as the other lists, so that clients follow ``next`` the same way everywhere.
SEARCH_PAGES = Keyset("search", ("page",))
MAX_SEARCH_PAGE = 1000  # the backends answer no deeper page (kabar.search.backends.common.MAX_PAGE)


def _search_page(cursor: str | None) -> int:
    from kabar.api.pagination import decode

    if not cursor:
        return 1
    number = decode(SEARCH_PAGES, cursor)[0]
    if not isinstance(number, int) or number < 1:
        raise ApiError(400, "invalid cursor", code="invalid_cursor")
    return number


def page_link(request: HttpRequest, number: int) -> str:
    from kabar.api.pagination import encode, next_url

    return next_url(request, encode(SEARCH_PAGES, [number]))

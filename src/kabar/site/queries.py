"""The reader site's database queries: only published texts, with what their pages need joined in."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Aggregate, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware, make_aware

from kabar.news.models import (
    UNSORTED_SECTION_SLUG,
    Article,
    ArticleText,
    Author,
    Media,
    Outlet,
    Section,
    Story,
)
from kabar.site.prepared import PreparedQuery
from kabar.stories.models import ArticleSignals, StoryMembership

NEWEST_FIRST = (F("article__published_at").desc(), F("article__pk").desc())


def published_texts(language: str) -> QuerySet[ArticleText]:
    """Texts a reader of ``language`` may see, newest first."""
    return (
        ArticleText.objects.filter(language=language, is_published=True)
        .select_related("article__outlet", "article__section")
        .order_by(*NEWEST_FIRST)
    )


def list_texts(language: str) -> QuerySet[ArticleText]:
    """``published_texts`` for lists of teasers: without the bodies, which a teaser does not show."""
    return published_texts(language).defer("blocks", "rendered_body")


def before_cursor(
    texts: QuerySet[ArticleText], published_at: datetime, article_id: int
) -> QuerySet[ArticleText]:
    """``texts`` (in NEWEST_FIRST order) that come after the article at (``published_at``, ``article_id``).

    A keyset condition, not an OFFSET: the database starts reading where the cursor points.
    """
    return texts.filter(
        Q(article__published_at__lt=published_at)
        | Q(article__published_at=published_at, article_id__lt=article_id)
    ).order_by(*NEWEST_FIRST)


def after_cursor(
    texts: QuerySet[ArticleText], published_at: datetime, article_id: int
) -> QuerySet[ArticleText]:
    """``texts`` that come before the cursor's article in NEWEST_FIRST order, nearest first (oldest first)."""
    return texts.filter(
        Q(article__published_at__gt=published_at)
        | Q(article__published_at=published_at, article_id__gt=article_id)
    ).order_by(F("article__published_at").asc(), F("article__pk").asc())


def latest_texts(language: str, count: int) -> QuerySet[ArticleText]:
    """``published_texts(language)[:count]``, found by walking the articles' date index.

    Ordering the texts themselves makes the database sort every text of the language, bodies
    and all, to keep ``count`` (10 ms on 2,000 articles in SQLite); the newest articles that have
    such a text are read from the index instead, and only their texts are fetched.
    """
    newest = (
        Article.objects.filter(
            Exists(
                ArticleText.objects.filter(article_id=OuterRef("pk"), language=language, is_published=True)
            )
        )
        .order_by("-published_at", "-pk")  # NEWEST_FIRST, on the article
        .values("pk")[:count]
    )
    return published_texts(language).filter(article_id__in=newest)[:count]


def articles_text_count(language: str, articles: Q) -> int:
    """How many of ``list_texts(language)`` belong to the ``articles`` (a condition on Article): the
    articles with a published text in ``language`` (one per article), counted from the articles'
    side. Counting the texts joins every published text of the language to its article (10 ms on
    2,000 articles in SQLite for a section page's count; a tenth of that so)."""
    published = ArticleText.objects.filter(article_id=OuterRef("pk"), language=language, is_published=True)
    return Article.objects.filter(Exists(published), articles).count()


def latest_per_section(language: str, per_section: int, excluding: Iterable[int] = ()) -> list[ArticleText]:
    """Up to ``per_section`` newest texts of every public section, in two queries.

    Each section's newest are found on its own, through the articles' (section, date) index, and
    the sections' lists are joined with UNION ALL: the database reads about ``per_section`` rows
    per section whatever the number of articles. (A window function over the language's texts
    ranked every one of them: 0.9 s for the home page at 100,000 articles on SQLite.) Django cannot
    slice the parts of a union on SQLite, so the union is written here, each part in a subquery.
    """
    sections = list(
        Section.objects.exclude(slug=UNSORTED_SECTION_SLUG).order_by("pk").values_list("pk", flat=True)
    )
    if not sections:
        return []
    excluded = list(excluding)
    parts: list[str] = []
    params: list[Any] = []
    for number, section_id in enumerate(sections):
        newest = (
            ArticleText.objects.filter(language=language, is_published=True, article__section_id=section_id)
            .exclude(pk__in=excluded)
            .order_by(*NEWEST_FIRST)
            .values("pk")[:per_section]
        )
        sql, part_params = newest.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS newest_{number}")
        params.extend(part_params)
    ranked = RawSQL(" UNION ALL ".join(parts), params)
    return list(list_texts(language).filter(pk__in=ranked))


class JSONRows(Aggregate):
    """A subquery's rows as one JSON array: SQLite's json_group_array, PostgreSQL's jsonb_agg."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _rows_of(queryset: QuerySet[Any], group: str, fields: tuple[str, ...]) -> Subquery:
    """``fields`` of ``queryset``'s rows (one group, ``group``) as a JSON array, for a correlated subquery."""
    return Subquery(
        queryset.order_by()
        .values(group)
        .annotate(rows=JSONRows(JSONObject(**{f.replace("__", "_"): f for f in fields})))
        .values("rows")
    )


# The article page's language versions, authors and images, read in the text's own query as JSON
# (not one query each): the page needs their fields, not model rows loaded one by one.
VERSION_FIELDS = ("id", "article_id", "language", "slug", "status", "is_published")
AUTHOR_FIELDS = ("author__id", "author__name", "author__slug", "author__outlet_id")
MEDIA_FIELDS = (
    "id",
    "article_id",
    "image",
    "url",
    "width",
    "height",
    "captions",
    "credit",
    "rendered_captions",
)
MEDIA_JSON = {"captions", "rendered_captions"}
# A story entry (kabar.site.story_page): what the "In this story" block shows of each member's texts.
STORY_ENTRY_COLUMNS = (
    "article_id",
    "language",
    "status",
    "title",
    "slug",
    "article__published_at",
    "article__source_language",
    "article__outlet__name",
    "article__outlet__language",
)


def _story_rows(found: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The story's texts from JSON as ``.values(*STORY_ENTRY_COLUMNS)`` gives them, oldest article first."""
    rows = []
    for row in found or []:
        values = {c: row[c.replace("__", "_")] for c in STORY_ENTRY_COLUMNS}
        # JSON carries the time as text: SQLite's naive UTC, PostgreSQL's ISO 8601 with an offset.
        when = parse_datetime(values["article__published_at"])
        assert when is not None, values
        values["article__published_at"] = when if is_aware(when) else make_aware(when, dt.UTC)
        rows.append(values)
    rows.sort(key=lambda r: (r["article__published_at"], r["article_id"]))
    return rows


def _decoded(value: Any) -> Any:
    # SQLite's json_object() takes a JSON column's text as a string; PostgreSQL nests the value.
    return json.loads(value) if isinstance(value, str) else value


def _loaded(model: type[Any], db: str, fields: tuple[str, ...], row: dict[str, Any]) -> Any:
    """A model instance as if the ORM had read ``fields`` (the others deferred) from ``row``."""
    names = [f.split("__")[-1] if f.startswith("author__") else f for f in fields]
    values = [row[f.replace("__", "_")] for f in fields]
    if model is Media:
        values = [_decoded(v) if n in MEDIA_JSON else v for n, v in zip(names, values, strict=True)]
    return model.from_db(db, names, values)


def _as_prefetched(instance: Any, name: str, objects: list[Any]) -> None:
    # What prefetch_related leaves behind, so ``instance.<name>.all()`` answers from memory.
    found = getattr(instance, name).all()
    found._result_cache = objects
    found._prefetch_done = True
    instance._prefetched_objects_cache = {**getattr(instance, "_prefetched_objects_cache", {}), name: found}


def _article_page_queryset(language: str, slug: str) -> QuerySet[ArticleText]:
    """The article page's one query (``article_text``), as a queryset of ``language`` and ``slug``."""
    return (
        ArticleText.objects.filter(language=language, slug=slug, is_published=True)
        .annotate(
            # Whether other outlets' copies of it are here: the page credits them (one more query then).
            has_republications=Exists(Article.objects.filter(republished_from_id=OuterRef("article_id"))),
            versions_json=_rows_of(
                ArticleText.objects.filter(article_id=OuterRef("article_id"), is_published=True),
                "article_id",
                VERSION_FIELDS,
            ),
            authors_json=_rows_of(
                Article.authors.through.objects.filter(article_id=OuterRef("article_id")),
                "article_id",
                AUTHOR_FIELDS,
            ),
            # Every published text of the article's story (none without a story): the story block.
            story_json=_rows_of(
                ArticleText.objects.filter(
                    article__story_membership__story_id=OuterRef("article__story_membership__story_id"),
                    is_published=True,
                ),
                "article__story_membership__story_id",
                STORY_ENTRY_COLUMNS,
            ),
            media_json=_rows_of(
                Media.objects.filter(article_id=OuterRef("article_id")), "article_id", MEDIA_FIELDS
            ),
        )
        .order_by()[:1]  # (language, slug) is unique
    )


def _attnames(model: type[Any]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


# The rows joined in as select_related would: (path from the text, model), each row's every column.
ARTICLE_PAGE_JOINS: tuple[tuple[str, type[Any]], ...] = (
    ("", ArticleText),
    ("article__", Article),
    ("article__outlet__", Outlet),
    ("article__section__", Section),
    # The feed links name the story as its feed does; the related lists use the stored embedding.
    ("article__story_membership__", StoryMembership),
    ("article__story_membership__story__", Story),
    ("article__relate_signals__", ArticleSignals),
)
ARTICLE_PAGE_ANNOTATIONS = ("has_republications", "versions_json", "authors_json", "story_json", "media_json")
ARTICLE_PAGE = PreparedQuery(
    _article_page_queryset,
    [prefix + name for prefix, model in ARTICLE_PAGE_JOINS for name in _attnames(model)]
    + list(ARTICLE_PAGE_ANNOTATIONS),
)


def _joined_row(model: type[Any], db: str, prefix: str, row: dict[str, Any]) -> Any:
    """The ``model`` instance read from ``row``'s ``prefix``ed columns; None when the join found none."""
    names = _attnames(model)
    values = [row[prefix + name] for name in names]
    if values[[f.primary_key for f in model._meta.concrete_fields].index(True)] is None:
        return None
    return model.from_db(db, names, values)


def _join(instance: Any, name: str, related: Any) -> None:
    """Set ``instance.<name>`` to ``related`` (or to none) as select_related does: no query on access."""
    field = instance._meta.get_field(name)
    if field.is_relation and not field.concrete:  # a reverse one-to-one: both sides' caches
        field.remote_field.remote_field.set_cached_value(instance, related)
        if related is not None:
            field.remote_field.set_cached_value(related, instance)
    else:
        field.set_cached_value(instance, related)


def article_text(language: str, slug: str) -> ArticleText | None:
    """The published text behind an article page, with every language version, author and image.

    One query, compiled once (``kabar.site.prepared``): the story and the stored embedding are
    joined in (the story block and related lists need them); the versions, authors, images and the
    story's texts (``story_rows``) come as JSON arrays.
    """
    found = ARTICLE_PAGE.rows(language, slug)
    if not found:
        return None
    row, db = found[0], "default"
    text, article, outlet, section, membership, story, signals = (
        _joined_row(model, db, prefix, row) for prefix, model in ARTICLE_PAGE_JOINS
    )
    for name in ARTICLE_PAGE_ANNOTATIONS:
        setattr(text, name, row[name])
    _join(text, "article", article)
    _join(article, "outlet", outlet)
    _join(article, "section", section)
    _join(article, "story_membership", membership)
    if membership is not None:
        _join(membership, "story", story)
    _join(article, "relate_signals", signals)
    versions = [_loaded(ArticleText, db, VERSION_FIELDS, r) for r in text.versions_json or []]
    for version in versions:
        version.article = article
    authors = [_loaded(Author, db, AUTHOR_FIELDS, r) for r in text.authors_json or []]
    media = [_loaded(Media, db, MEDIA_FIELDS, r) for r in text.media_json or []]
    # The orders the page's prefetches had: authors by name (Author.Meta), images as stored.
    authors.sort(key=lambda a: (a.name, a.pk))
    media.sort(key=lambda m: m.pk)
    versions.sort(key=lambda t: t.pk)
    text.story_rows = _story_rows(text.story_json)
    _as_prefetched(article, "texts", versions)
    _as_prefetched(article, "authors", authors)
    _as_prefetched(article, "media", media)
    return text  # type: ignore[no-any-return]


# What a related-list entry shows (title, link, outlet, date), and nothing more: a body can be
# hundreds of kilobytes of JSON, and a list of ten titles has no use for it.
RELATED_COLUMNS = (
    "pk",
    "article_id",
    "title",
    "slug",
    "language",
    "article__published_at",
    "article__outlet__name",
    "article__outlet__language",
)


def _related_queryset(
    limit: int, language: str, article_id: int, excluding: list[int], section_id: int | None = None
) -> QuerySet[ArticleText]:
    base = (
        ArticleText.objects.filter(language=language, is_published=True)
        .exclude(article_id__in=excluding)
        .order_by(*NEWEST_FIRST)
    )
    # A subquery on the article's authors rather than a join, so an article with two shared
    # authors is listed once (and the author ids cost no query of their own).
    their_articles = Article.authors.through.objects.filter(
        author_id__in=Article.authors.through.objects.filter(article_id=article_id).values("author_id")
    ).values("article_id")
    wanted = Q(pk__in=base.filter(article_id__in=their_articles).values("pk")[: 2 * limit])
    if section_id is not None:
        wanted |= Q(pk__in=base.filter(article__section_id=section_id).values("pk")[:limit])
    return ArticleText.objects.filter(wanted).order_by(*NEWEST_FIRST)


@functools.cache
def _related_query(limit: int) -> PreparedQuery:
    """``related_rows``' query for lists of ``limit`` (the LIMITs are in its SQL, not parameters)."""
    return PreparedQuery(
        functools.partial(_related_queryset, limit), (*RELATED_COLUMNS, "article__section_id")
    )


def related_rows(
    text: ArticleText, limit: int, excluding: Iterable[int] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The article page's "same section" and "same author" lists, newest first, in one query.

    Articles in ``excluding`` (ids of articles already shown higher up) and the article itself are
    left out, and an article in both lists is shown in the section list only. Each list is a
    LIMITed subquery (SQLite allows no LIMIT inside a UNION): the section's ``limit`` newest and
    the authors' ``2 * limit`` newest, so that the author list still has ``limit`` entries once the
    section list's articles are taken out of it. Compiled once per shape (``kabar.site.prepared``).
    """
    section = text.article.public_section  # "unsorted" articles have no "same section" list
    section_id = section.pk if section is not None else None
    left_out = sorted({text.article_id, *excluding})
    query = _related_query(limit)
    if section_id is None:
        rows = query.rows(text.language, text.article_id, left_out)
    else:
        rows = query.rows(text.language, text.article_id, left_out, section_id)
    # Every row of the section's newest ``limit`` is here, so they are the first ``limit`` rows
    # in the section; a later one in the section came in as the authors'.
    in_section = [r for r in rows if section_id is not None and r["article__section_id"] == section_id][
        :limit
    ]
    shown = {r["pk"] for r in in_section}
    by_author = [r for r in rows if r["pk"] not in shown][:limit]
    return in_section, by_author

"""The reader's search page: ``/<lang>/search/?q=&section=&outlet=&from=&to=&lang_original=&page=``.

What the reader typed goes to the configured search backend untouched (the backend turns it
into terms; it never raises for hostile text). Filters are checked here against the choices the
page offers: a value the page could not have offered (a bad date, an unknown outlet, page=abc)
is answered with status 400 and the form showing what is wrong, never a 500 and never a search
silently run without the filter the reader asked for.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import translate_url
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from kabar.core.discover.query import fold_d
from kabar.core.discover.search import SearchFilters, SearchHit, SearchQuery, SearchResults
from kabar.news.models import Article, ArticleText, Outlet, Section
from kabar.site.languages import endonym, name_in_sentence, site_language_codes
from kabar.site.present import Version

log = logging.getLogger("kabar.search")

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

PER_PAGE = 20
# Nobody reads result 10,000; a cap keeps absurd page numbers away from the backend's OFFSET.
MAX_PAGE = 500
ORIGINAL_LANGUAGES_CACHE_KEY = "kabar.site.search.original-languages"
ORIGINAL_LANGUAGES_TTL = 300  # seconds
MAX_FILTER_CHARS = 200  # longer than any slug, date or page number
RESULT_TEXT_FIELDS = ("id", "article_id", "language", "title", "lead", "slug", "status")
FILTER_NAMES = ("section", "outlet", "from", "to", "lang_original")
# The backend's contract: everything escaped except <mark>. Anything else means a bug there, and
# the text is shown escaped rather than trusted.
_TAG_OTHER_THAN_MARK = re.compile(r"<(?!/?mark>)")


def readable_params(params: QueryDict) -> _ImmutableQueryDict:
    """The query string with NUL bytes read as spaces and filter values cut to ``MAX_FILTER_CHARS``.

    No database stores a NUL and no HTML page may contain one, yet every value is shown again
    (in the form, in an error message, in links); a 5,000-character "slug" is no slug at all.
    The search text keeps its length: the backend cuts it and says so.
    """
    readable = QueryDict(mutable=True)
    for name, values in params.lists():
        for value in values:
            value = value.replace("\x00", " ")
            readable.appendlist(name, value if name == "q" else value[:MAX_FILTER_CHARS])
    return QueryDict(readable.urlencode())


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Search for"))
    section = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Section"),
        error_messages={
            "invalid_choice": gettext_lazy("There is no section “%(value)s”; choose one from the list.")
        },
    )
    outlet = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Outlet"),
        error_messages={
            "invalid_choice": gettext_lazy("There is no outlet “%(value)s”; choose one from the list.")
        },
    )
    lang_original = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Original language"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "No article was written in “%(value)s”; choose a language from the list."
            )
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": gettext_lazy("The page number must be a whole number, such as 2."),
            "min_value": gettext_lazy("The page number must be a whole number, such as 2."),
            "max_value": gettext_lazy("Search results go up to page %(limit_value)s."),
        },
    )

    def __init__(self, data: QueryDict, language: str) -> None:
        super().__init__(data, auto_id="search-%s", label_suffix="")
        # "from" is a Python keyword, so the two date fields are added here, in display order
        # after the choices.
        dates = {
            "from": pgettext_lazy("start of a date range", "From"),
            "to": pgettext_lazy("end of a date range", "To"),
        }
        for name, label in dates.items():
            self.fields[name] = forms.DateField(
                required=False,
                label=label,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={
                    "invalid": gettext_lazy("Enter a date as year-month-day, such as 2025-10-12.")
                },
            )
        self.order_fields(["q", "section", "outlet", "lang_original", "from", "to", "page"])
        choices = {
            "section": filter_choices(gettext("All sections"), section_choices(language)),
            "outlet": filter_choices(gettext("All outlets"), outlet_choices()),
            "lang_original": filter_choices(gettext("All languages"), original_language_choices()),
        }
        # What each choice is called on this page, for naming the active filters.
        self.choice_names = {name: dict(offered) for name, offered in choices.items()}
        for name, offered in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = offered

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        since, until = cleaned.get("from"), cleaned.get("to")
        if since and until and since > until:
            self.add_error("to", gettext("The end date is before the start date."))
        return cleaned


def filter_choices(everything: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", everything), *choices]


def section_choices(language: str) -> list[tuple[str, str]]:
    return [(s.slug, s.name_for(language)) for s in Section.objects.public()]


def outlet_choices() -> list[tuple[str, str]]:
    # Only outlets a reader can find something from: a filter that can only give "no results" is a trap.
    with_texts = ArticleText.objects.filter(article__outlet=OuterRef("pk"), is_published=True)
    return list(Outlet.objects.filter(Exists(with_texts)).order_by("name").values_list("slug", "name"))


def original_languages() -> list[str]:
    """Languages of the originals of published articles, as stored now (no cache)."""
    return list(
        Article.objects.filter(texts__is_published=True)
        .order_by()
        .values_list("source_language", flat=True)
        .distinct()
    )


def original_language_choices() -> list[tuple[str, str]]:
    # A scan of every article (about 200 ms at 100,000 articles on SQLite, no index fits), so
    # the list is kept for a few minutes: a language whose first article was just published
    # is offered once the entry expires.
    present: list[str] = (
        cache.get_or_set(ORIGINAL_LANGUAGES_CACHE_KEY, original_languages, ORIGINAL_LANGUAGES_TTL) or []
    )
    order = {code: n for n, code in enumerate(site_language_codes())}
    ordered = sorted(present, key=lambda code: (order.get(code, len(order)), code))
    return [(code, capfirst(name_in_sentence(code))) for code in ordered]


def without_accents(text: str) -> str:
    """``text`` with diacritics removed and đ/Đ as d/D, the way a reader without a Vietnamese keyboard types."""
    decomposed = unicodedata.normalize("NFD", fold_d(text))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def run_search(query: SearchQuery) -> SearchResults:
    # Imported when used: the search app owns its backends and their settings.
    from kabar.search.services import search

    return search(query)


@dataclass(frozen=True)
class Result:
    """One article found, linked in the reader's language where it exists."""

    title_html: SafeString
    snippet_html: SafeString
    snippet_language: str
    url: str
    language: str  # the language of the page the link opens
    language_note: str  # "" when the page is in the reader's language
    outlet_name: str
    outlet_language: str
    published_at: datetime
    section_name: str
    section_url: str
    machine_made: bool


@dataclass(frozen=True)
class FilterLink:
    """An active filter, with the same search without it."""

    label: str
    value: str
    url_without: str


def _marked(html: str, plain: str) -> SafeString:
    if _TAG_OTHER_THAN_MARK.search(html):
        return escape(plain)
    return mark_safe(html)  # noqa: S308 - checked above: escaped text and <mark> only


def _linked_text(article: Article, hit: SearchHit, reader_language: str) -> ArticleText | None:
    """The reader's language version, else the original, else the text that matched (if the site serves it)."""
    served = set(site_language_codes())
    by_language = {t.language: t for t in article.texts.all()}
    for language in (reader_language, article.source_language, hit.language):
        text = by_language.get(language)
        if text is not None and language in served:
            return text
    return None


def _language_note(text: ArticleText, reader_language: str) -> str:
    if text.language == reader_language:
        return ""
    name = name_in_sentence(text.language)
    if text.status == ArticleText.Status.ORIGINAL:
        return gettext("Original in %(language)s") % {"language": name}
    return gettext("In %(language)s") % {"language": name}


def results_for(hits: list[SearchHit], reader_language: str) -> list[Result]:
    """Hits in their ranked order, joined with what the page shows; hits whose article vanished are left out."""
    # No ordering: the hits give it, and ORDER BY published_at would make SQLite walk that index.
    articles = (
        Article.objects.filter(pk__in=[h.article_id for h in hits])
        .order_by()
        .select_related("outlet", "section")
        .defer("minhash", "flags")
    )
    # Only what a result shows: a text's blocks are its whole body, parsed from JSON per row.
    shown = ArticleText.objects.filter(is_published=True).only(*RESULT_TEXT_FIELDS).order_by()
    articles = articles.prefetch_related(Prefetch("texts", queryset=shown))
    by_id = {a.pk: a for a in articles}
    found = []
    for hit in hits:
        article = by_id.get(hit.article_id)
        text = _linked_text(article, hit, reader_language) if article else None
        if article is None or text is None:
            continue  # unpublished between the search and this page: nothing to link to
        matched = next((t for t in article.texts.all() if t.pk == hit.text_id), None)
        with translation.override(text.language):
            url = text.get_absolute_url()
        section = article.public_section
        title = _marked(hit.title_html, text.title) if text.pk == hit.text_id else escape(text.title)
        found.append(
            Result(
                title_html=title,
                snippet_html=_marked(hit.snippet_html, matched.lead if matched else ""),
                snippet_language=hit.language,
                url=url,
                language=text.language,
                language_note=_language_note(text, reader_language),
                outlet_name=article.outlet.name,
                outlet_language=article.outlet.language,
                published_at=article.published_at,
                section_name=section.name_for(reader_language) if section else "",
                section_url=section.get_absolute_url() if section else "",
                machine_made=text.is_machine_made,
            )
        )
    return found


def _url_with(request: HttpRequest, **changes: str | None) -> str:
    """This page's address with some parameters changed (``None`` removes one)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    encoded = params.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def active_filters(form: SearchForm, request: HttpRequest) -> list[FilterLink]:
    links = []
    for name in FILTER_NAMES:
        value = form.cleaned_data.get(name)
        if not value:
            continue
        names = form.choice_names.get(name)
        shown = names.get(value, value) if names is not None else value.isoformat()
        label = str(form.fields[name].label)
        links.append(FilterLink(label, shown, _url_with(request, **{name: None, "page": None})))
    return links


def language_links(request: HttpRequest) -> list[Version]:
    """The switcher keeps the search: the same query and filters in each site language."""
    current = translation.get_language()
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return [
        Version(
            language=code,
            name=endonym(code),
            url=translate_url(request.path, code) + suffix,
            is_current=code == current,
            is_original=False,
        )
        for code in site_language_codes()
    ]


def search(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    # Everything below (the form, the links it builds, {% querystring %}) reads the cleaned copy.
    request.GET = readable_params(request.GET)
    form = SearchForm(request.GET, language)
    context: dict[str, Any] = {"form": form, "language_versions": language_links(request)}
    if not form.is_valid():
        context["search_text"] = form.data.get("q", "").strip()
        return render(request, "site/search.html", context, status=400)
    text: str = form.cleaned_data["q"]
    context["search_text"] = text
    if not text:
        return render(request, "site/search.html", context)
    page: int = form.cleaned_data["page"] or 1
    filters = SearchFilters(
        section=form.cleaned_data["section"] or None,
        outlet=form.cleaned_data["outlet"] or None,
        since=form.cleaned_data["from"],
        until=form.cleaned_data["to"],
        original_language=form.cleaned_data["lang_original"] or None,
    )
    try:
        found = run_search(
            SearchQuery(text=text, language=language, filters=filters, page=page, per_page=PER_PAGE)
        )
    except (ImproperlyConfigured, DatabaseError):
        # A misconfigured backend or an index that is not there: the reader gets a page that says
        # so (the operator gets the traceback in the log), never a bare 500.
        log.exception("search is unavailable")
        context.update(
            searched=False, message=gettext("Search is not available right now. Please try again later.")
        )
        return render(request, "site/search.html", context, status=503)
    pages = min(math.ceil(found.total / PER_PAGE), MAX_PAGE)
    context.update(
        {
            "searched": True,
            "message": found.message,
            "total": found.total,
            "results": results_for(found.hits, language),
            "page_number": page,
            "page_count": pages,
            "previous_url": _url_with(request, page=str(page - 1) if page > 2 else None) if page > 1 else "",
            "next_url": _url_with(request, page=str(page + 1)) if page < pages else "",
            "filters": active_filters(form, request),
            "unaccented_url": "",
        }
    )
    if found.total and page > pages:
        context["past_last_page_url"] = _url_with(request, page=str(pages) if pages > 1 else None)
        return render(request, "site/search.html", context, status=400)
    if not found.total:
        plain = without_accents(text)
        if plain != text:
            context["unaccented_url"] = _url_with(request, q=plain, page=None)
        context["without_filters_url"] = (
            _url_with(request, page=None, **dict.fromkeys(FILTER_NAMES)) if context["filters"] else ""
        )
    return render(request, "site/search.html", context)

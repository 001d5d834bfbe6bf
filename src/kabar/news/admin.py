"""Django admin for the newsroom: outlets, sources, sections, authors, articles.

Articles show their language versions inline, so an editor can add or correct
a human translation next to the original.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from kabar.news.models import (
    Article,
    ArticleAlias,
    ArticleRevision,
    ArticleText,
    Author,
    Media,
    Outlet,
    Section,
    Source,
    Story,
)

WORD_FIELDS = frozenset({"title", "lead", "blocks"})


def credit_edit(
    text: ArticleText, changed_fields: Collection[str], editor: User, source_language: str
) -> None:
    """Apply the newsroom's rule for a translation a person changed in the admin (not saved here).

    The text is credited to ``editor`` (unless an editor was chosen in the form);
    editing the words of a machine translation turns it into a post-edited one,
    unless a status was chosen in the form.
    Originals are the outlet's words, nobody's edit. One rule for every admin page
    that edits texts, so no page can save a person's words as machine output.
    """
    if text.status == ArticleText.Status.ORIGINAL:
        return
    if "editor" not in changed_fields:
        text.editor = editor
    text.translated_from = text.translated_from or source_language
    if (
        text.status == ArticleText.Status.MACHINE
        and WORD_FIELDS & set(changed_fields)
        and "status" not in changed_fields
    ):
        text.status = ArticleText.Status.POST_EDITED


def signed_in_editor(request: HttpRequest) -> User:
    editor = request.user
    if isinstance(editor, AnonymousUser):
        raise PermissionDenied  # the admin site lets only signed-in staff get this far
    return editor


# Kinds that read the server's own disk, and the switch that lets the fetcher reach private
# addresses: both let an admin user make kabar read what readers must never see, so only
# superusers set them.
SERVER_SIDE_KINDS = frozenset({Source.Kind.FILE, Source.Kind.WARC, Source.Kind.CAPTURE})


class SourceGuard:
    """Admin behaviour shared by the Source page and the Source inline on outlets."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = ["last_polled_at", "last_result"]
        return fields if request.user.is_superuser else [*fields, "allow_private"]

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "kind" and not request.user.is_superuser:
            kwargs["choices"] = [(k, label) for k, label in Source.Kind.choices if k not in SERVER_SIDE_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]


class SourceInline(SourceGuard, admin.TabularInline[Source, Outlet]):
    model = Source
    extra = 0
    fields = ["kind", "url", "schedule_minutes", "enabled", "allow_private", "last_polled_at", "last_result"]


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin[Outlet]):
    list_display = ["name", "language", "home_url"]
    search_fields = ["name", "home_url"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceInline]


@admin.register(Source)
class SourceAdmin(SourceGuard, admin.ModelAdmin[Source]):
    list_display = ["outlet", "kind", "url", "enabled", "schedule_minutes", "last_polled_at", "last_result"]
    list_filter = ["kind", "enabled", "outlet"]
    search_fields = ["url"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin[Section]):
    list_display = ["slug", "names", "position"]
    list_editable = ["position"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin[Author]):
    list_display = ["name", "outlet"]
    list_filter = ["outlet"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleTextInline(admin.StackedInline[ArticleText, Article]):
    model = ArticleText
    extra = 0
    fields = [
        ("language", "status", "is_published", "stale"),
        "title",
        "slug",
        "lead",
        "blocks",
        ("engine", "model_version", "translated_from", "route", "qa_passed"),
    ]
    readonly_fields = ["engine", "model_version", "translated_from", "route", "qa_passed"]
    prepopulated_fields = {"slug": ["title"]}


class MediaInline(admin.TabularInline[Media, Article]):
    model = Media
    extra = 0
    fields = ["image", "url", "credit", "captions", "width", "height"]
    readonly_fields = ["width", "height"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["__str__", "outlet", "section", "source_language", "published_at", "languages"]
    list_filter = ["outlet", "section", "source_language"]
    search_fields = ["texts__title", "source_url"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["authors"]
    readonly_fields = ["content_hash", "created_at", "modified_at", "flags"]
    inlines = [ArticleTextInline, MediaInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("outlet", "section").prefetch_related("texts")

    @admin.display(description="languages")
    def languages(self, obj: Article) -> str:
        return ", ".join(
            f"{t.language}:{t.status}" + (" (stale)" if t.stale else "") for t in obj.texts.all()
        )

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Article],
        formset: BaseInlineFormSet[Model, Article, ModelForm[Model]],
        change: bool,
    ) -> None:
        editor = signed_in_editor(request)
        for text_form in formset.forms:
            obj = text_form.instance
            if isinstance(obj, ArticleText) and text_form.has_changed():
                credit_edit(obj, text_form.changed_data, editor, form.instance.source_language)
        super().save_formset(request, form, formset, change)


@admin.register(ArticleText)
class ArticleTextAdmin(admin.ModelAdmin[ArticleText]):
    list_display = ["title", "language", "status", "stale", "qa_passed", "is_published"]
    list_filter = ["language", "status", "stale", "qa_passed", "is_published"]
    search_fields = ["title"]
    raw_id_fields = ["article", "editor"]

    def save_model(
        self, request: HttpRequest, obj: ArticleText, form: ModelForm[ArticleText], change: bool
    ) -> None:
        if form.has_changed():
            credit_edit(obj, form.changed_data, signed_in_editor(request), obj.article.source_language)
        super().save_model(request, obj, form, change)


admin.site.register(ArticleAlias)
admin.site.register(ArticleRevision)
admin.site.register(Media)
admin.site.register(Story)

"""Django admin for the newsroom: outlets, sources, sections, authors, articles.

Articles show their language versions inline, so an editor can add or correct
a human translation next to the original.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_tasks.base import TaskResult, TaskResultStatus

from kabar.ingest.tasks import poll_source
from kabar.news.forms import SourceForm, SourceInlineFormSet, is_superuser
from kabar.news.media_form import MediaForm
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
)
from kabar.news.section_admin import SectionMappingInline
from kabar.newsroom.limits import PUBLISH, limit_language_form, may_write
from kabar.translation import human_editor
from kabar.translation.human_editor import translation_links

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
    Publishing is recorded (who, when); a new text by someone who may not publish waits
    unpublished for an editor.
    """
    now = timezone.now()
    if text.pk is None and not editor.has_perm(PUBLISH):
        text.is_published = False
    elif "is_published" in changed_fields and text.is_published:
        text.published_by, text.published_at = editor, now
    if text.status == ArticleText.Status.ORIGINAL:
        return
    text.edited_at = now
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

# Set by code, never typed: who approved private access, when, and the state of that approval.
PRIVATE_ACCESS_RECORD = ["private_access_status", "private_access_by", "private_access_at"]


def apply_private_access_rule(request: HttpRequest, form: SourceForm, source: Source) -> None:
    """Record or clear the approval of private access on ``source`` before it is saved, and say so.

    A superuser's save with "Allow private" ticked approves it for exactly the saved kind,
    outlet and URL (re-approving after a change); unticked, the approval is forgotten.
    Anyone else who re-points the source (kind, URL or outlet) switches private access off.
    """
    user = signed_in_editor(request)
    if is_superuser(user):
        if not source.allow_private:
            source.revoke_private_access()
        elif form.retargeted() or "allow_private" in form.changed_data or source.private_access_problem():
            source.grant_private_access(by=user)
            messages.info(
                request,
                gettext(
                    "Private access approved for %(source)s: polls may reach private addresses for "
                    "this kind, outlet and URL only, while you stay an active superuser."
                )
                % {"source": source},
            )
    elif form.retargeted() and source.allow_private:
        source.revoke_private_access()
        messages.warning(
            request,
            gettext(
                "Private access was switched off for %(source)s because its kind, URL or outlet changed; "
                "only a superuser can approve it again."
            )
            % {"source": source},
        )
    for warning in form.warnings:
        messages.warning(request, f"{source}: {warning}")


def poll_sources_now(request: HttpRequest, sources: Iterable[Source]) -> None:
    """Enqueue ``poll_source`` for each enabled source and tell the editor what was queued (or run)."""
    chosen = list(sources)
    skipped = [s for s in chosen if not s.enabled]
    queued: list[tuple[Source, TaskResult[dict[str, Any]]]] = []
    for source in chosen:
        if not source.enabled:
            continue
        try:
            queued.append((source, poll_source.enqueue(source.pk)))
        except Exception as exc:  # e.g. Redis is down: say so, and queue the others
            messages.error(
                request,
                gettext("Could not queue %(source)s for polling: %(error)s")
                % {"source": source, "error": f"{type(exc).__name__}: {exc}"},
            )
    if skipped:
        names = "; ".join(str(s) for s in skipped)
        messages.warning(
            request,
            ngettext(
                "Skipped %(count)d disabled source: %(names)s",
                "Skipped %(count)d disabled sources: %(names)s",
                len(skipped),
            )
            % {"count": len(skipped), "names": names},
        )
    if not queued:
        return
    if all(result.is_finished for _, result in queued):
        # The task backend ran them inline (the immediate backend): report what each poll did.
        lines = []
        for source, result in queued:
            source.refresh_from_db(fields=["last_result"])
            if result.status == TaskResultStatus.SUCCESSFUL:
                lines.append(f"{source}: {source.last_result}")
            else:
                error = result.errors[-1].traceback.strip().splitlines()[-1] if result.errors else "failed"
                lines.append(
                    gettext("%(source)s: the poll failed (%(error)s)") % {"source": source, "error": error}
                )
        messages.success(
            request,
            ngettext(
                "Polled %(count)d source now: %(results)s",
                "Polled %(count)d sources now: %(results)s",
                len(queued),
            )
            % {"count": len(queued), "results": "; ".join(lines)},
        )
        return
    names = "; ".join(str(s) for s, _ in queued)
    messages.success(
        request,
        ngettext(
            "Queued %(count)d source for polling: %(names)s. A worker (kabar worker) fetches it; "
            "its last result shows in the list when it is done.",
            "Queued %(count)d sources for polling: %(names)s. A worker (kabar worker) fetches them; "
            "each source's last result shows in the list when it is done.",
            len(queued),
        )
        % {"count": len(queued), "names": names},
    )


class SourceGuard:
    """Admin behaviour shared by the Source page and the Source inline on outlets."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = ["last_polled_at", "last_result", *PRIVATE_ACCESS_RECORD]
        return fields if request.user.is_superuser else [*fields, "allow_private"]

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "kind" and not request.user.is_superuser:
            kwargs["choices"] = [(k, label) for k, label in Source.Kind.choices if k not in SERVER_SIDE_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]

    @admin.display(description=gettext_lazy("private access"))
    def private_access_status(self, obj: Source) -> str:
        if obj.pk is None or not obj.allow_private:
            return gettext("off")
        problem = obj.private_access_problem()
        if problem:
            return gettext("not honoured by polls: %(problem)s") % {"problem": problem}
        who = obj.private_access_by or gettext("the operator")
        return gettext("approved by %(who)s on %(when)s") % {
            "who": who,
            "when": f"{obj.private_access_at:%Y-%m-%d %H:%M}",
        }


class SourceInline(SourceGuard, admin.TabularInline[Source, Outlet]):
    model = Source
    form = SourceForm
    formset = SourceInlineFormSet
    extra = 0
    fields = [
        "kind",
        "url",
        "schedule_minutes",
        "enabled",
        "allow_private",
        "private_access_status",
        "last_polled_at",
        "last_result",
    ]

    def get_formset(self, request: HttpRequest, obj: Outlet | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset.form, SourceForm):
            formset.form.editor = request.user  # a fresh form class per call: safe per request
        return formset


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin[Outlet]):
    list_display = ["name", "language", "home_url"]
    search_fields = ["name", "home_url"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceInline, SectionMappingInline]
    actions = ["poll_sources"]

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Outlet],
        formset: BaseInlineFormSet[Model, Outlet, ModelForm[Model]],
        change: bool,
    ) -> None:
        for source_form in formset.forms:
            source = source_form.instance
            if (
                isinstance(source, Source)
                and isinstance(source_form, SourceForm)
                and source_form.has_changed()
                and source_form not in formset.deleted_forms
            ):
                source.outlet = form.instance  # the fingerprint names the outlet, saved by now
                apply_private_access_rule(request, source_form, source)
        super().save_formset(request, form, formset, change)

    def has_poll_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("news.change_source")

    @admin.action(description=gettext_lazy("Poll their enabled sources now"), permissions=["poll"])
    def poll_sources(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> None:
        poll_sources_now(request, Source.objects.filter(outlet__in=queryset).select_related("outlet"))


@admin.register(Source)
class SourceAdmin(SourceGuard, admin.ModelAdmin[Source]):
    form = SourceForm
    list_display = ["outlet", "kind", "url", "enabled", "schedule_minutes", "last_polled_at", "last_result"]
    list_filter = ["kind", "enabled", "outlet"]
    search_fields = ["url"]
    actions = ["poll_now"]

    def get_form(
        self, request: HttpRequest, obj: Source | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if issubclass(form, SourceForm):
            form.editor = request.user  # modelform_factory builds a fresh class per call: safe per request
        return form

    def save_model(self, request: HttpRequest, obj: Source, form: ModelForm[Source], change: bool) -> None:
        if isinstance(form, SourceForm):
            apply_private_access_rule(request, form, obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Poll now"), permissions=["change"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        poll_sources_now(request, queryset.select_related("outlet"))


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
    """The article's texts, with a link per site language to write or edit it in the translation editor.

    Words are written there (block by block beside the original), never as JSON blocks here;
    new translations are started there too, so this inline adds no rows to a saved article.
    """

    model = ArticleText
    extra = 0
    template = "admin/translation/article_texts_inline.html"
    fields = [
        ("language", "status", "is_published", "stale"),
        "title",
        "slug",
        "lead",
        ("engine", "model_version", "translated_from", "route", "qa_passed"),
        ("editor", "edited_at", "published_by", "published_at"),
    ]
    readonly_fields = [
        "engine",
        "model_version",
        "translated_from",
        "route",
        "qa_passed",
        "editor",
        "edited_at",
        "published_by",
        "published_at",
    ]
    prepopulated_fields = {"slug": ["title"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # a saved article's texts keep their language; a new one's original is given one
            fields.append("language")
        return fields if request.user.has_perm(PUBLISH) else [*fields, "is_published"]

    def has_add_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        # A new article's original may be added here; translations start in the translation editor.
        return obj is None and super().has_add_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Article | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # A fresh formset class per call: safe per request. The template lists these above the texts.
        links = translation_links(request.user, obj) if obj is not None else []
        formset.translation_links = links  # type: ignore[attr-defined]
        return formset

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(css={"all": ["translation/admin.css"]})


class MediaInline(admin.TabularInline[Media, Article]):
    """The article's pictures, compact: thumbnail, file or address, a caption per site language, credit."""

    model = Media
    form = MediaForm
    extra = 0
    fields = ["thumbnail", "image", "url", "captions", "credit"]
    readonly_fields = ["thumbnail"]

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(css={"all": ["news/media_inline.css"]})

    @admin.display(description=gettext_lazy("picture"))
    def thumbnail(self, obj: Media) -> str:
        if not obj.src:
            return "—"
        size = f"{obj.width}×{obj.height}" if obj.width and obj.height else ""
        return format_html('<img src="{}" alt="" title="{}" class="kabar-media-thumb">', obj.src, size)


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

    @admin.display(description=gettext_lazy("languages"))
    def languages(self, obj: Article) -> str:
        stale = f" ({gettext('stale')})"
        return ", ".join(
            f"{t.language}: {t.get_status_display()}" + (stale if t.stale else "") for t in obj.texts.all()
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
    list_display = [
        "title",
        "language",
        "status",
        "stale",
        "qa_passed",
        "is_published",
        "editor",
        "edited_at",
        "published_by",
        "published_at",
    ]
    list_filter = ["language", "status", "stale", "qa_passed", "is_published"]
    search_fields = ["title"]
    raw_id_fields = ["article", "editor"]
    readonly_fields = ["edited_at", "published_by", "published_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ArticleText | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.has_perm(PUBLISH) else [*fields, "is_published"]

    def get_form(
        self, request: HttpRequest, obj: ArticleText | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return limit_language_form(super().get_form(request, obj, change, **kwargs), request.user)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A new text is a human translation, written in the translation editor (``?article=<id>``)."""
        return human_editor.add_view(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A human translation is edited in the translation editor; other texts on the model form."""
        text = self.get_object(request, unquote(object_id))
        if text is not None and text.status == ArticleText.Status.HUMAN:
            article = Article.objects.prefetch_related("texts", "media").get(pk=text.article_id)
            return human_editor.editor_view(self, request, article, text)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request: HttpRequest, obj: ArticleText | None = None) -> bool:
        # A translator limited to some languages sees the others read-only (kabar.newsroom.limits).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_write(request.user, obj.language))

    def has_delete_permission(self, request: HttpRequest, obj: ArticleText | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_write(request.user, obj.language))

    def save_model(
        self, request: HttpRequest, obj: ArticleText, form: ModelForm[ArticleText], change: bool
    ) -> None:
        if form.has_changed():
            credit_edit(obj, form.changed_data, signed_in_editor(request), obj.article.source_language)
        super().save_model(request, obj, form, change)


admin.site.register(ArticleAlias)
admin.site.register(ArticleRevision)
admin.site.register(Media)
# Story is administered by kabar.stories (merge, split, pin, detach).

"""Admin for translation: glossary, memory, the status matrix and the segment editor.

* ``/admin/translation/matrix/``: articles × languages, one cell per text state
  (original, missing, machine, post-edited, human; stale, QA failed, held),
  with filters and a bulk "translate to <language>" action that queues tasks.
* ``/admin/translation/postedit/``: the post-editing queue (machine and
  post-edited texts); a text's page ``/admin/translation/postedit/<id>/change/``
  is the side-by-side segment editor. Saving needs ``change_postedit``; the
  "publish even if QA still reports errors" box is shown and honoured only
  for users with ``translation.publish_despite_qa``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabar.core.blocks import BlockError
from kabar.core.translate.mt.routing import NoRoute, RoutePlan
from kabar.news.models import Article, Outlet, Section
from kabar.newsroom.limits import may_write, refusal
from kabar.translation import matrix
from kabar.translation.engines import describe_engines, get_router
from kabar.translation.forms import SegmentEditForm
from kabar.translation.models import PUBLISH_DESPITE_QA, GlossaryTerm, Matrix, PostEdit, TMEntry
from kabar.translation.postedit import EDITABLE, OUT_OF_SYNC, NotEditable, apply_post_edit, in_sync
from kabar.translation.services import Outcome, plan_job

MATRIX_PAGE_SIZE = 50


def saved_message(changed: int, qa_passed: bool | None, published: bool) -> str:
    """What the segment editor says after a save: how many segments, and what QA and publishing did."""
    if qa_passed:
        return ngettext(
            "Saved %(count)d changed segment as post-edited; QA passed, published.",
            "Saved %(count)d changed segments as post-edited; QA passed, published.",
            changed,
        ) % {"count": changed}
    if published:
        return ngettext(
            "Saved %(count)d changed segment as post-edited; QA still reports errors; published as you asked.",
            "Saved %(count)d changed segments as post-edited; QA still reports errors; published as you asked.",
            changed,
        ) % {"count": changed}
    return ngettext(
        "Saved %(count)d changed segment as post-edited; QA still reports errors; held from publishing.",
        "Saved %(count)d changed segments as post-edited; QA still reports errors; held from publishing.",
        changed,
    ) % {"count": changed}


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin[GlossaryTerm]):
    list_display = ["term", "source_lang", "target_lang", "translation", "do_not_translate", "note"]
    list_filter = ["source_lang", "target_lang", "do_not_translate"]
    search_fields = ["term", "translation", "note"]


@admin.register(TMEntry)
class TMEntryAdmin(admin.ModelAdmin[TMEntry]):
    list_display = [
        "source_text",
        "target_text",
        "source_lang",
        "target_lang",
        "preferred",
        "use_count",
        "used_at",
    ]
    list_filter = ["preferred", "source_lang", "target_lang"]
    search_fields = ["source_text", "target_text"]
    readonly_fields = ["source_hash", "created_at", "used_at", "use_count"]
    show_full_result_count = False  # the memory grows large; COUNT(*) on every page is not free


@admin.register(PostEdit)
class PostEditAdmin(admin.ModelAdmin[PostEdit]):
    list_display = ["title", "language", "status", "qa_passed", "stale", "is_published", "modified_at"]
    list_filter = ["language", "status", "qa_passed", "stale", "is_published"]
    search_fields = ["title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PostEdit]:
        return super().get_queryset(request).filter(status__in=EDITABLE).select_related("article")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PostEdit | None = None) -> bool:
        # A translator limited to some target languages sees the others read-only.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_write(request.user, obj.language))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The side-by-side segment editor (replaces the model form)."""
        text = self.get_object(request, unquote(object_id))
        if text is None:
            self.message_user(
                request,
                _("No machine translation with id %(id)s to post-edit.") % {"id": object_id},
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:translation_postedit_changelist"))
        if not self.has_view_or_change_permission(request, text):
            raise PermissionDenied
        records = list(text.segments.select_related("text").order_by("position"))
        can_edit = self.has_change_permission(request, text)
        if request.method == "POST" and not can_edit:
            raise PermissionDenied
        if not may_write(request.user, text.language):
            self.message_user(request, refusal(request.user, text.language), messages.INFO)
        if records and not in_sync(text, records):
            self.message_user(
                request, _("Not editable here: %(reason)s.") % {"reason": OUT_OF_SYNC}, messages.WARNING
            )
            can_edit = False
        may_publish_anyway = request.user.has_perm(f"{self.opts.app_label}.{PUBLISH_DESPITE_QA}")
        if request.method == "POST" and can_edit:
            form = SegmentEditForm(records, request.POST, may_publish_anyway=may_publish_anyway)
            if form.is_valid():
                try:
                    result = apply_post_edit(
                        text, form.edits(), editor=request.user, publish_anyway=form.publishes_anyway()
                    )
                except (NotEditable, BlockError) as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        saved_message(result.changed, result.qa_passed, result.text.is_published),
                        messages.SUCCESS if result.qa_passed else messages.WARNING,
                    )
                    return HttpResponseRedirect(request.get_full_path())
        else:
            form = SegmentEditForm(records, may_publish_anyway=may_publish_anyway)
        original = text.article.original
        context = {
            **self.admin_site.each_context(request),
            "title": _("Post-edit: %(title)s") % {"title": text.title},
            "opts": self.opts,
            "text": text,
            "original": original,
            "form": form,
            "rows": form.rows(),
            "can_edit": can_edit,
            "has_view_permission": True,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/translation/editor.html", context)


@admin.register(Matrix)
class MatrixAdmin(admin.ModelAdmin[Matrix]):
    def get_urls(self) -> list[URLPattern]:
        # Only the matrix itself: matrix "objects" are articles, edited in the news admin.
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name=f"{self.opts.app_label}_{self.opts.model_name}_changelist")]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        languages = matrix.site_languages()
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            self._queue_translations(request, languages)
            return HttpResponseRedirect(request.get_full_path())
        language = request.GET.get("language", "")
        columns = [language] if language in languages else languages
        page = Paginator(matrix.filter_articles(request.GET, languages), MATRIX_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        shown = list(page.object_list)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Translation status"),
            "opts": self.opts,
            "rows": matrix.rows_for(shown, columns),
            "default_target": matrix.default_target(shown, languages),
            "can_write_texts": request.user.has_perm("news.add_articletext"),
            "languages": columns,
            "all_languages": languages,
            "outlets": Outlet.objects.order_by("name"),
            "sections": Section.objects.all(),
            "statuses": matrix.STATUS_FILTERS,
            "selected": {k: request.GET.get(k, "") for k in ("outlet", "section", "language", "status")},
            "page_obj": page,
            "page_query": query.urlencode(),
            "engines": describe_engines(get_router())
            if settings.MT_ENGINES
            else _("none (set KABAR_MT_ENGINES)"),
            "can_translate": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/translation/matrix.html", context)

    def _queue_translations(self, request: HttpRequest, languages: list[str]) -> None:
        from kabar.translation.tasks import translate_article_task

        target = request.POST.get("target", "")
        if target not in languages:
            self.message_user(
                request,
                _("Choose a target language (%(languages)s).") % {"languages": ", ".join(languages)},
                messages.ERROR,
            )
            return
        ids = [int(v) for v in request.POST.getlist("article") if v.isdigit()]
        if not ids:
            self.message_user(request, _("Select at least one article."), messages.WARNING)
            return
        force = request.POST.get("force") == "on"
        router = get_router()
        plans: dict[tuple[str, str], RoutePlan | NoRoute] = {}
        queued = 0
        not_queued: dict[str, list[Outcome]] = {}
        # plan_job decides, exactly as the task will, so nothing is queued only to be refused there.
        for article in Article.objects.filter(pk__in=ids).prefetch_related("texts"):
            planned = plan_job(article, target, router, plans=plans, force=force)
            if isinstance(planned, Outcome):
                not_queued.setdefault(planned.action, []).append(planned)
                continue
            translate_article_task.enqueue(article.pk, target, force)
            queued += 1
        if queued:
            self.message_user(
                request,
                ngettext(
                    "Queued %(count)d translation to %(language)s.",
                    "Queued %(count)d translations to %(language)s.",
                    queued,
                )
                % {"count": queued, "language": target},
                messages.SUCCESS,
            )
        kept = not_queued.get("kept-human", []) + not_queued.get("same-language", [])
        if kept:
            self.message_user(
                request,
                _("Skipped %(count)d: already in %(language)s as an original or a person's text.")
                % {"count": len(kept), "language": target},
                messages.INFO,
            )
        if current := not_queued.get("current"):
            self.message_user(
                request,
                _(
                    "Skipped %(count)d: the %(language)s machine translation is up to date "
                    "(tick “also re-translate up-to-date machine texts” to redo it)."
                )
                % {"count": len(current), "language": target},
                messages.INFO,
            )
        failed = not_queued.get("failed", [])
        unroutable = {plan.reason for plan in plans.values() if isinstance(plan, NoRoute)}
        for reason in dict.fromkeys(outcome.reason for outcome in failed):
            articles = ", ".join(str(o.article_id) for o in failed if o.reason == reason)
            message = _("Not queued (article %(articles)s): %(reason)s.") % {
                "articles": articles,
                "reason": reason,
            }
            if reason in unroutable:
                message += " " + _("Configured engines: %(engines)s") % {"engines": describe_engines(router)}
            self.message_user(request, message, messages.ERROR)

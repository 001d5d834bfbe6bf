"""The moderation queue and its tools in the admin (the Moderator role: every ``comments`` permission).

Comments open on the queue (held comments, oldest first); the action bar approves, rejects,
marks as spam or bans the writer's email or IP address, with a reason and a note that go to
the moderation log. Comment text is never edited here: a moderator decides, the reader writes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabar.comments import moderation
from kabar.comments.cache import bump_comments
from kabar.comments.models import (
    Ban,
    Comment,
    Commenter,
    ModerationLog,
    Report,
    SectionPolicy,
    WordRule,
)

Status = Comment.Status
Action = ModerationLog.Action


class ModerationActionForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", "—"), *((code, moderation.REASONS[code]) for code in moderation.MODERATOR_REASONS)],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class QueueFilter(admin.SimpleListFilter):
    """Held comments unless another status is chosen: the queue is what a moderator opens."""

    title = _("status")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(value, label) for value, label in Status.choices if value != Status.HELD] + [
            ("all", _("all"))
        ]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("held for moderation (the queue)"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "all":
            return queryset
        return queryset.filter(status=value or Status.HELD)


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(moderation.REASONS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(reasons__icontains=f'"{self.value()}"')
        return queryset


class ReportInline(admin.TabularInline[Report, Comment]):
    model = Report
    extra = 0
    can_delete = False
    fields = ("created_at", "reason", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    # Few columns: the admin's sidebar leaves the list little room; email and IP are on the comment.
    list_display = ("excerpt", "name", "language", "article", "status", "why", "reports", "created_at")
    list_filter = (
        QueueFilter,
        ReasonFilter,
        "language",
        ("article__section", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("body", "name", "commenter__email", "ip")
    list_select_related = ("commenter", "article")
    date_hierarchy = "created_at"
    ordering = ("created_at",)
    list_per_page = 50
    action_form = ModerationActionForm
    actions = ("approve", "reject", "mark_spam", "ban_email", "ban_ip")
    inlines = (ReportInline,)
    fields = (
        "article",
        "language",
        "name",
        "commenter",
        "parent",
        "body",
        "status",
        "reasons",
        "reports",
        "ip",
        "created_at",
        "decided_at",
        "decided_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # readers write comments; moderators decide

    # A deleted comment leaves the stored article pages at once, as a rejected one does.
    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        article = obj.article_id
        super().delete_model(request, obj)
        bump_comments([article])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        articles = set(queryset.order_by().values_list("article_id", flat=True))
        super().delete_queryset(request, queryset)
        bump_comments(articles)

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Comment) -> str:
        return obj.body if len(obj.body) <= 140 else obj.body[:139] + "…"

    @admin.display(description=_("reasons"))
    def why(self, obj: Comment) -> str:
        return moderation.reason_labels(obj.reasons)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Comment], action: str) -> None:
        count = moderation.moderate(
            queryset.select_related("commenter"),
            action,
            request.user,
            request.POST.get("reason", ""),
            request.POST.get("note", "").strip(),
        )
        label = Action(action).label
        self.message_user(
            request,
            ngettext("%(count)d comment %(action)s.", "%(count)d comments %(action)s.", count)
            % {"count": count, "action": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve the selected comments"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._decide(request, queryset, Action.APPROVED)

    @admin.action(description=_("Reject the selected comments"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._decide(request, queryset, Action.REJECTED)

    @admin.action(description=_("Mark the selected comments as spam"), permissions=["change"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._decide(request, queryset, Action.SPAM)

    def _ban(self, request: HttpRequest, queryset: QuerySet[Comment], kind: str) -> None:
        count = moderation.ban(
            queryset.select_related("commenter"), kind, request.user, request.POST.get("reason", "")
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d address banned; its comments are rejected.",
                "%(count)d addresses banned; their comments are rejected.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Ban the writers' email addresses"), permissions=["change"])
    def ban_email(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._ban(request, queryset, Ban.Kind.EMAIL)

    @admin.action(description=_("Ban the comments' IP addresses"), permissions=["change"])
    def ban_ip(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._ban(request, queryset, Ban.Kind.IP)


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin[ModerationLog]):
    list_display = ("created_at", "action", "comment", "actor", "reason")
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "created_at"
    list_select_related = ("comment", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the log is a record: read, never rewritten

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin[Ban]):
    list_display = ("kind", "value", "reason", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("value", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: Ban, form: Any, change: bool) -> None:
        obj.value = obj.value.strip().lower()  # an IP ban's value is made plain by Ban.clean
        if obj.kind == Ban.Kind.EMAIL:
            obj.value = moderation.canonical_email(obj.value)
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin[WordRule]):
    list_display = ("word", "kind")
    list_filter = ("kind",)
    search_fields = ("word",)


@admin.register(SectionPolicy)
class SectionPolicyAdmin(admin.ModelAdmin[SectionPolicy]):
    list_display = ("section", "moderation", "close_after_days")


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin[Commenter]):
    list_display = ("name", "email", "user", "confirmed_at", "created_at")
    search_fields = ("name", "email")
    readonly_fields = ("user", "confirmed_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # commenters come with their first comment

    def delete_model(self, request: HttpRequest, obj: Commenter) -> None:
        articles = set(obj.comments.values_list("article_id", flat=True))
        super().delete_model(request, obj)
        bump_comments(articles)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Commenter]) -> None:
        articles = set(Comment.objects.filter(commenter__in=queryset).values_list("article_id", flat=True))
        super().delete_queryset(request, queryset)
        bump_comments(articles)

"""Editors' control over stories: rename (labels per language), pin, merge; split, move, detach members.

Every change made here is an editor's decision (``assigned_by=editor``), which the online relate
step and ``kabar stories rebuild`` never undo. "Let the relate stage decide" hands articles back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kabar.news.models import Story
from kabar.stories import services
from kabar.stories.models import StoryMembership


def _label_field(code: str) -> str:
    return f"label_{code}"


class StoryForm(forms.ModelForm[Story]):
    """One label field per site language, written back to ``Story.labels``."""

    class Meta:
        model = Story
        fields = ["pinned"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels: dict[str, str] = self.instance.labels or {}
        for code, name in settings.LANGUAGES:
            self.fields[_label_field(code)] = forms.CharField(
                label=gettext_lazy("Label (%(language)s)") % {"language": name},
                required=False,
                max_length=300,
                initial=labels.get(code, ""),
                help_text=gettext_lazy(
                    "Empty: the page names the story by its first article's title in that language."
                ),
            )

    def save(self, commit: bool = True) -> Story:
        labels = dict(self.instance.labels or {})
        for code, _name in settings.LANGUAGES:
            value = self.cleaned_data.get(_label_field(code), "").strip()
            if value:
                labels[code] = value
            else:
                labels.pop(code, None)
        self.instance.labels = labels
        return super().save(commit)


class MembershipInline(admin.TabularInline[StoryMembership, Story]):
    model = StoryMembership
    extra = 0
    can_delete = False
    fields = ["article_link", "published", "language", "score", "assigned_by", "reason"]
    readonly_fields = ["article_link", "published", "language", "score", "assigned_by", "reason"]
    ordering = ["article__published_at", "article__pk"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("article"))
    def article_link(self, obj: StoryMembership) -> str:
        url = reverse("admin:news_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.article))

    @admin.display(description=gettext_lazy("published"))
    def published(self, obj: StoryMembership) -> Any:
        return obj.article.published_at

    @admin.display(description=gettext_lazy("original language"))
    def language(self, obj: StoryMembership) -> str:
        return obj.article.source_language


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin[Story]):
    form = StoryForm
    list_display = ["__str__", "members", "first_seen", "last_seen", "pinned", "manage_members"]
    list_filter = ["pinned"]
    # Each language's label by key: the JSON text itself may hold "\u00e3" for "ã" (SQLite).
    search_fields = [
        *(f"labels__{code}" for code, _name in settings.LANGUAGES),
        "memberships__article__texts__title",
    ]
    readonly_fields = ["first_seen", "last_seen", "manage_members"]
    inlines = [MembershipInline]
    actions = ["merge", "pin", "unpin"]

    def get_fieldsets(self, request: HttpRequest, obj: Story | None = None) -> Any:
        labels = [_label_field(code) for code, _name in settings.LANGUAGES]
        return [(None, {"fields": [*labels, "pinned", "first_seen", "last_seen", "manage_members"]})]

    def get_form(
        self, request: HttpRequest, obj: Story | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The label fields are the form's own (one per site language), not model fields.
        return super().get_form(request, obj, change, **{**kwargs, "fields": ["pinned"]})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Story]:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # stories come from articles: split or merge them instead

    @admin.display(description=gettext_lazy("articles"), ordering="member_count")
    def members(self, obj: Story) -> int:
        return int(getattr(obj, "member_count", 0))

    @admin.display(description=gettext_lazy("members"))
    def manage_members(self, obj: Story) -> str:
        if obj.pk is None:
            return ""
        url = reverse("admin:stories_storymembership_changelist") + f"?story__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Split, move or detach articles"))

    @admin.action(description=gettext_lazy("Merge the selected stories into one"), permissions=["change"])
    def merge(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        stories = list(queryset)
        if len(stories) < 2:
            self.message_user(request, _("Choose at least two stories to merge."), messages.WARNING)
            return
        target = services.merge_stories(stories)
        self.message_user(
            request,
            _("Merged %(count)d stories into “%(story)s” (story %(id)s).")
            % {"count": len(stories), "story": target, "id": target.pk},
        )

    @admin.action(description=gettext_lazy("Pin: keep as is, open to new articles"), permissions=["change"])
    def pin(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        count = queryset.update(pinned=True)
        self.message_user(
            request,
            ngettext("Pinned %(count)d story.", "Pinned %(count)d stories.", count) % {"count": count},
        )

    @admin.action(description=gettext_lazy("Unpin"), permissions=["change"])
    def unpin(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        count = queryset.update(pinned=False)
        self.message_user(
            request,
            ngettext("Unpinned %(count)d story.", "Unpinned %(count)d stories.", count) % {"count": count},
        )


class MoveForm(ActionForm):
    story = forms.IntegerField(
        required=False,
        min_value=1,
        label=gettext_lazy("to story number"),
        help_text=gettext_lazy("For “Move to the story numbered”."),
    )


@admin.register(StoryMembership)
class StoryMembershipAdmin(admin.ModelAdmin[StoryMembership]):
    list_display = ["article", "story", "published", "language", "score", "assigned_by", "reason"]
    list_filter = ["assigned_by", "story__pinned", "article__source_language"]
    search_fields = ["article__texts__title"]
    list_select_related = ["article", "story"]
    readonly_fields = ["article", "story", "score", "reason", "assigned_by", "created_at", "updated_at"]
    action_form = MoveForm
    actions = ["split_off", "move", "detach", "release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("published"), ordering="article__published_at")
    def published(self, obj: StoryMembership) -> Any:
        return obj.article.published_at

    @admin.display(description=gettext_lazy("original language"), ordering="article__source_language")
    def language(self, obj: StoryMembership) -> str:
        return obj.article.source_language

    @admin.action(
        description=gettext_lazy("Split the selected articles off into a new story"), permissions=["change"]
    )
    def split_off(self, request: HttpRequest, queryset: QuerySet[StoryMembership]) -> None:
        story = services.split_story(list(queryset.values_list("article_id", flat=True)))
        count = story.memberships.count()
        self.message_user(
            request,
            ngettext(
                "Split %(count)d article off into story %(id)s.",
                "Split %(count)d articles off into story %(id)s.",
                count,
            )
            % {"count": count, "id": story.pk},
        )

    @admin.action(
        description=gettext_lazy("Move the selected articles to the story numbered"), permissions=["change"]
    )
    def move(self, request: HttpRequest, queryset: QuerySet[StoryMembership]) -> None:
        number = request.POST.get("story", "").strip()
        story = Story.objects.filter(pk=int(number)).first() if number.isdigit() else None
        if story is None:
            self.message_user(
                request, _("Give the number of an existing story to move the articles to."), messages.ERROR
            )
            return
        services.move_to_story(list(queryset.values_list("article_id", flat=True)), story)
        self.message_user(
            request, _("Moved the articles to story %(id)s (“%(story)s”).") % {"id": story.pk, "story": story}
        )

    @admin.action(
        description=gettext_lazy("Detach the selected articles from their stories"), permissions=["change"]
    )
    def detach(self, request: HttpRequest, queryset: QuerySet[StoryMembership]) -> None:
        ids = list(queryset.values_list("article_id", flat=True))
        services.detach_articles(ids)
        self.message_user(
            request,
            ngettext(
                "Detached %(count)d article: it stays in no story.",
                "Detached %(count)d articles: they stay in no story.",
                len(ids),
            )
            % {"count": len(ids)},
        )

    @admin.action(description=gettext_lazy("Let the relate stage decide again"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[StoryMembership]) -> None:
        done = services.release_articles(list(queryset.values_list("article_id", flat=True)))
        self.message_user(
            request,
            ngettext(
                "The relate stage placed %(count)d article again.",
                "The relate stage placed %(count)d articles again.",
                len(done),
            )
            % {"count": len(done)},
        )

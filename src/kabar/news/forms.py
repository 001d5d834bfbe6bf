"""The Source form of the admin (its own page and the inline on outlets): checked at save, like a poll.

The form knows who is saving (``editor``, set by the admin per request), because
what a location may be depends on it: only a superuser can approve private access.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from kabar.news.models import Source
from kabar.news.source_policy import LocationError, check_location, normalised_location

# A change of any of these re-points the source: what was approved for the old target
# does not carry over to the new one.
TARGET_FIELDS = ("kind", "url", "outlet")


def is_superuser(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_active and getattr(user, "is_superuser", False))


class SourceForm(forms.ModelForm[Source]):
    """Validates kind + URL with the fetcher's policy and refuses duplicates of another source."""

    editor: ClassVar[AbstractBaseUser | AnonymousUser | None] = None  # set on a per-request subclass

    class Meta:
        model = Source
        fields = ["outlet", "kind", "url", "schedule_minutes", "enabled", "allow_private"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def retargeted(self) -> bool:
        """True when the save creates the source or changes what it fetches (kind, URL or outlet)."""
        return self.instance.pk is None or any(name in self.changed_data for name in TARGET_FIELDS)

    def private_access_wanted(self) -> bool:
        """Whether the saved source may reach private addresses: only by a superuser's tick in this form."""
        if is_superuser(self.editor):
            return bool(self.cleaned_data.get("allow_private", self.instance.allow_private))
        # Everyone else keeps an existing approval only while the target stays the same.
        return self.instance.allow_private and not self.retargeted()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, url = cleaned.get("kind"), cleaned.get("url")
        if not kind or not url or self.has_error("url") or self.has_error("kind"):
            return cleaned
        switched_on = "allow_private" in self.changed_data and bool(cleaned.get("allow_private"))
        if not (self.retargeted() or switched_on):
            # An unchanged location is not judged again (the poll checks it every time), so
            # switching private access off is never blocked by the address it protected.
            return cleaned
        url = url.strip()
        cleaned["url"] = url
        try:
            check = check_location(kind, url, allow_private=self.private_access_wanted())
        except LocationError as exc:
            self.add_error("url", str(exc))
            return cleaned
        self.warnings.extend(check.warnings)
        duplicate = self.duplicate_of(kind, url)
        if duplicate is not None:
            link = reverse("admin:news_source_change", args=[duplicate.pk])
            self.add_error(
                "url",
                ValidationError(
                    format_html(
                        gettext('This {} is already a source of {}: <a href="{}">source #{}</a>.'),
                        duplicate.get_kind_display(),
                        duplicate.outlet,
                        link,
                        duplicate.pk,
                    ),
                    code="duplicate",
                ),
            )
        return cleaned

    def duplicate_of(self, kind: str, url: str) -> Source | None:
        """Another stored source of the same kind whose location is the same once normalised."""
        wanted = normalised_location(kind, url)
        others = Source.objects.filter(kind=kind).select_related("outlet")
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        return next((s for s in others if normalised_location(s.kind, s.url) == wanted), None)


class SourceInlineFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """Sources of one outlet: two rows of the same form cannot name the same location either."""

    def clean(self) -> None:
        super().clean()
        seen: dict[tuple[str, str], int] = {}
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("kind") or not data.get("url"):
                continue
            key = (data["kind"], normalised_location(data["kind"], data["url"]))
            if key in seen:
                form.add_error(
                    "url",
                    gettext("The same %(kind)s as row %(row)s of this outlet.")
                    % {"kind": data["kind"], "row": seen[key]},
                )
            else:
                seen[key] = number

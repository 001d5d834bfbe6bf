"""The segment editor's form: one textarea per segment, named after its SegmentRecord."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from kabar.core.blocks import sanitize_inline
from kabar.translation.models import SegmentRecord


def field_name(record: SegmentRecord) -> str:
    return f"segment_{record.pk}"


def target_textarea(language: str, rows: int = 2) -> forms.Textarea:
    """The box a person types a translation into (segment and human editors): marked with its language."""
    attrs: dict[str, str | int] = {"rows": rows, "cols": 60}
    if language:
        attrs["lang"] = language
    return forms.Textarea(attrs=attrs)


class SegmentEditForm(forms.Form):
    publish_anyway = forms.BooleanField(
        required=False,
        label="Publish even if QA still reports errors",
        help_text="Only when you have checked every flagged segment yourself.",
    )

    def __init__(
        self, records: Sequence[SegmentRecord], *args: Any, may_publish_anyway: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.records = list(records)
        if not may_publish_anyway:
            # Gone from the form, so a hand-made POST with the box ticked is ignored too.
            del self.fields["publish_anyway"]
        for record in self.records:
            self.fields[field_name(record)] = forms.CharField(
                initial=record.target_text,
                strip=True,
                max_length=20_000,
                widget=target_textarea(record.text.language),
                label=f"{record.field} {record.block_index}.{record.sentence_index}",
            )

    def rows(self) -> list[tuple[SegmentRecord, forms.BoundField, SafeString, SafeString]]:
        """(record, its field, source as safe HTML, target as safe HTML), in reading order.

        Segments are inline HTML; they are shown as such, but only after nh3 has
        kept the few inline tags kabar allows, whatever an engine or import left.
        """
        return [
            (
                record,
                self[field_name(record)],
                mark_safe(sanitize_inline(record.source_text)),  # noqa: S308 - sanitised just here
                mark_safe(sanitize_inline(record.target_text)),  # noqa: S308 - sanitised just here
            )
            for record in self.records
        ]

    @property
    def may_publish_anyway(self) -> bool:
        return "publish_anyway" in self.fields

    def publishes_anyway(self) -> bool:
        """Whether an editor allowed to asked to publish despite QA errors (after ``is_valid``)."""
        return bool(self.cleaned_data.get("publish_anyway", False))

    def edits(self) -> dict[int, str]:
        """SegmentRecord id -> the submitted target text."""
        return {record.pk: self.cleaned_data[field_name(record)] for record in self.records}

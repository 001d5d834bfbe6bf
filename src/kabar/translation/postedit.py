"""Post-editing: a person corrects a machine translation segment by segment.

Saving turns the text into a ``post-edited`` one credited to the editor,
rebuilds its title, lead and blocks from the segments, re-runs QA on every
segment (the editor's own sentences included: a number typed wrong is still
caught), and keeps each changed sentence that passes QA as a *preferred*
translation-memory entry, so the next article with that sentence gets the
person's wording. A text that passes QA is published, whatever the language's
policy: a person has now read it. An editor may also publish past QA issues
deliberately (``publish_anyway``); that is a judgement about this one text, so
even then a changed sentence that fails QA is kept on the text but never goes
into the memory: memory hits skip per-segment QA and would carry the flaw,
unseen, into other articles.

The engines and QA run outside any transaction; the save then locks the text,
re-reads its segments and refuses (``ConcurrentEdit``) if a re-translation or
another editor changed them meanwhile, rather than write words made from a
stale copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from kabar.core.blocks import sanitize_inline, validate_blocks
from kabar.core.text.segment import Segment, SegmentKind, join_segments
from kabar.core.translate.qa import QASegment, run_qa
from kabar.core.translate.translate import TMKey
from kabar.core.types import Block
from kabar.detector import get_detector
from kabar.news.models import ArticleText
from kabar.translation.glossary import build_glossary
from kabar.translation.memory import DjangoTM
from kabar.translation.models import PREFERRED_VERSION, SegmentRecord
from kabar.translation.shape import article_blocks, combined_index, issues_json, split_article_blocks

EDITABLE = (ArticleText.Status.MACHINE, ArticleText.Status.POST_EDITED)
_EDIT_FIELDS = ("title", "lead", "blocks", "status")  # what a post-edit rewrites
_RECORD_FIELDS = ("editor", "edited_at", "published_by", "published_at")  # who did it, when


class NotEditable(ValueError):
    """The text has no machine segments to post-edit."""


class ConcurrentEdit(NotEditable):
    """The text or its segments changed between loading them and saving the edit."""


@dataclass(frozen=True)
class PostEditResult:
    text: ArticleText
    changed: int
    qa_passed: bool


OUT_OF_SYNC = (
    "this text was changed outside the segment editor (in the article admin), so its segments no "
    "longer match its words; edit it there, or delete it and translate again"
)
CHANGED_MEANWHILE = (
    "this text was changed while you were editing it (re-translated, or saved by another editor); "
    "nothing was saved: reload the page and make your edits again"
)


def rebuild(text: ArticleText, records: Sequence[SegmentRecord]) -> tuple[str, str, list[Block]]:
    """Title, lead and body blocks of ``text`` made from the records' target sentences."""
    shape = article_blocks(text.title, text.lead, text.blocks)
    segments = [
        Segment(combined_index(r), r.part, r.sentence_index, r.target_text, cast(SegmentKind, r.kind))
        for r in records
    ]
    title, lead, body = split_article_blocks(join_segments(shape, segments, text.language.lower()))
    return title[: ArticleText._meta.get_field("title").max_length or 500], lead, body


def in_sync(text: ArticleText, records: Sequence[SegmentRecord]) -> bool:
    """Whether the stored words are what the segments make (an edit elsewhere would be lost on save)."""
    return rebuild(text, records) == (text.title, text.lead, text.blocks)


def apply_post_edit(
    text: ArticleText, edits: Mapping[int, str], *, editor: Any, publish_anyway: bool = False
) -> PostEditResult:
    """Apply ``edits`` (SegmentRecord id -> new inline-HTML target) to ``text`` and save everything."""
    if text.status not in EDITABLE:
        raise NotEditable(f"a {text.status} text has no machine segments to post-edit")
    records = list(text.segments.order_by("position"))
    if not records:
        raise NotEditable("this text has no stored segments (it was not made by kabar's MT)")
    if not in_sync(text, records):
        raise NotEditable(OUT_OF_SYNC)
    loaded = _snapshot(text, records)
    source = (text.translated_from or text.article.source_language).lower()
    target = text.language.lower()
    changed: list[SegmentRecord] = []
    for record in records:
        if record.pk not in edits:
            continue
        # Compared before sanitising: nh3 rewrites untouched markup (link rel), which is no edit.
        raw = " ".join(edits[record.pk].split())
        if not raw or raw == " ".join(record.target_text.split()):
            continue
        new = sanitize_inline(raw)
        if new:
            record.target_text = new
            record.edited = True
            changed.append(record)

    report = run_qa(
        [QASegment(r.source_text, r.target_text) for r in records],
        source,
        target,
        glossary=build_glossary([(source, target)]) or None,
        detector=get_detector(),
    )
    for record, issues in zip(records, report.segments, strict=True):
        record.issues = issues_json(issues)
        record.passed = not any(i.severity == "error" for i in issues)

    title, lead, body = rebuild(text, records)
    validate_blocks(body)

    with transaction.atomic():
        # Locked like services._save locks it, so a translation cannot replace the segments
        # between this check and the writes below.
        current = ArticleText.objects.select_for_update().get(pk=text.pk)
        if _snapshot(current, list(current.segments.order_by("position"))) != loaded:
            raise ConcurrentEdit(CHANGED_MEANWHILE)
        SegmentRecord.objects.bulk_update(records, ["target_text", "edited", "issues", "passed"])
        text.title = title
        text.lead = lead
        text.blocks = body
        text.status = ArticleText.Status.POST_EDITED
        text.editor = editor
        text.edited_at = timezone.now()
        text.qa_passed = report.passed
        text.is_published = report.passed or publish_anyway
        if text.is_published and not current.is_published:
            text.published_by, text.published_at = editor, text.edited_at
        # Only what the edit decides: a flag another writer set meanwhile (stale) stays.
        text.save(update_fields=[*_EDIT_FIELDS, *_RECORD_FIELDS, "qa_passed", "is_published", "modified_at"])
        DjangoTM().store_preferred(
            [
                (TMKey.of(r.source_text, source, target, PREFERRED_VERSION), r.target_text)
                for r in changed
                if r.passed
            ]
        )
    return PostEditResult(text, len(changed), report.passed)


def _snapshot(text: ArticleText, records: Sequence[SegmentRecord]) -> tuple[object, ...]:
    """What an edit was made against: the text's words and status, and each segment as stored."""
    return (
        *(getattr(text, name) for name in _EDIT_FIELDS),
        [(r.pk, r.source_text, r.target_text) for r in records],
    )

"""An article's title, lead and body as one block list for the core, and back.

The core translates blocks; title and lead become two leading pseudo-blocks
(plain text escaped into inline HTML), so one call covers everything a reader
sees and segment positions map back to the field they came from.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from kabar.core.blocks import strip_tags
from kabar.core.translate.qa import QAIssue
from kabar.core.types import Block
from kabar.translation.models import SegmentRecord

PSEUDO_BLOCKS = 2  # title and lead lead the block list handed to the core


def article_blocks(title: str, lead: str, blocks: Sequence[Block]) -> list[Block]:
    """Title and lead (plain text, escaped into inline HTML) as two pseudo-blocks before the body."""
    return [
        {"type": "heading", "text": html.escape(title, quote=False)},
        {"type": "paragraph", "text": html.escape(lead, quote=False)},
        *blocks,
    ]


def split_article_blocks(combined: Sequence[Block]) -> tuple[str, str, list[Block]]:
    """Inverse of ``article_blocks``: plain title, plain lead, body blocks."""
    title = strip_tags(str(combined[0].get("text", ""))).strip()
    lead = strip_tags(str(combined[1].get("text", ""))).strip()
    return title, lead, [dict(b) for b in combined[PSEUDO_BLOCKS:]]


def segment_place(block_index: int) -> tuple[str, int]:
    """(SegmentRecord.field, body block index) of a combined block index."""
    if block_index == 0:
        return SegmentRecord.Field.TITLE, 0
    if block_index == 1:
        return SegmentRecord.Field.LEAD, 0
    return SegmentRecord.Field.BODY, block_index - PSEUDO_BLOCKS


def combined_index(record: SegmentRecord) -> int:
    """Inverse of ``segment_place``."""
    if record.field == SegmentRecord.Field.TITLE:
        return 0
    if record.field == SegmentRecord.Field.LEAD:
        return 1
    return record.block_index + PSEUDO_BLOCKS


def issues_json(issues: Iterable[QAIssue]) -> list[dict[str, str]]:
    return [{"check": i.check, "severity": i.severity, "message": i.message} for i in issues]

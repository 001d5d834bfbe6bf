"""The newsroom clean-up of extracted blocks, on pages far longer than any article."""

from __future__ import annotations

import time

from kabar.core.extract.extract_blocks import drop_bylines, drop_repeats
from kabar.core.types import Block


def test_long_pages_are_cleaned_in_linear_time() -> None:
    """Both counted the text blocks kept so far once per block: 20k paragraphs took minutes."""
    blocks: list[Block] = [
        {"type": "paragraph", "text": f"Paragraph {n} of a very long page."} for n in range(60_000)
    ]
    started = time.monotonic()
    kept, lead, _ = drop_repeats(blocks, "Title", "Lead", lead_from_meta=True)
    kept = drop_bylines(kept, ["Lan Pham"])
    assert len(kept) == 60_000 and lead == "Lead"
    assert time.monotonic() - started < 20  # generous; linear is about a second, quadratic hours


def test_the_opening_byline_and_the_repeated_lead_still_go() -> None:
    blocks: list[Block] = [
        {"type": "image", "src": "https://x.test/a.jpg", "caption": "Cap", "credit": ""},
        {"type": "paragraph", "text": "The lead, repeated."},
        {"type": "paragraph", "text": "By Lan Pham"},
        *({"type": "paragraph", "text": f"Body text {n}."} for n in range(3)),
        {"type": "paragraph", "text": "By Lan Pham"},  # past the opening: part of the story
    ]
    kept, lead, lead_in_body = drop_repeats(blocks, "Title", "The lead, repeated.", lead_from_meta=False)
    assert lead_in_body and lead == "The lead, repeated."
    assert [b.get("text") for b in drop_bylines(kept, ["Lan Pham"])] == [
        None,
        "Body text 0.",
        "Body text 1.",
        "Body text 2.",
        "By Lan Pham",
    ]

"""validate_blocks' quick check never passes what the JSON Schema refuses, and passes what the pipeline makes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kabar.core import blocks as b

FIELDS = ["type", "text", "id", "level", "cite", "ordered", "items", "src", "caption", "credit", "alt"]
FIELDS += ["width", "height", "media", "extra"]
VALUES = st.one_of(
    st.sampled_from(["", "x", "paragraph", "heading", "image", "quote", "list"]),
    st.integers(min_value=-2, max_value=6),
    st.booleans(),
    st.none(),
    st.floats(min_value=0, max_value=5, allow_nan=False),
    st.lists(st.sampled_from(["", "a", 1]), max_size=3),
)
BLOCK = st.one_of(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=5), VALUES)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.lists(BLOCK, max_size=4), VALUES))
def test_what_the_quick_check_passes_the_schema_passes(blocks):
    if b._plainly_valid(blocks):
        assert not list(b._validator.iter_errors(blocks))


PIPELINE_BODY = [
    {"type": "heading", "text": "Tiêu đề", "level": 2, "id": "h1"},
    {"type": "paragraph", "text": "Một <em>đoạn</em>.", "id": "p1"},
    {"type": "quote", "text": "Lời", "cite": "Ai đó"},
    {"type": "list", "items": ["một", "hai"], "ordered": True},
    {"type": "image", "src": "https://img.example/a.jpg", "caption": "", "credit": "", "alt": "a"},
    {"type": "image", "src": "/media/a.jpg", "width": 800, "height": 600, "media": 3},
]


def test_a_body_the_pipeline_makes_takes_the_quick_path(monkeypatch):
    monkeypatch.setattr(b, "_validator", None)  # jsonschema is not asked at all
    b.validate_blocks(PIPELINE_BODY)
    b.validate_blocks([])


@pytest.mark.parametrize(
    "blocks, says",
    [
        ([{"type": "heading", "text": "x", "level": 1}], "block 0.level (heading)"),
        ([{"type": "paragraph", "text": ""}], "block 0.text (paragraph)"),
        ([{"type": "image", "src": "a", "width": True}], "block 0.width (image)"),
        ([{"type": "video"}], "block 0.type (video)"),
        ({"type": "paragraph"}, "body:"),
    ],
)
def test_bad_bodies_still_get_the_schemas_message(blocks, says):
    with pytest.raises(b.BlockError) as raised:
        b.validate_blocks(blocks)
    assert str(raised.value).startswith(says)

import pytest

from kabar.core.blocks import BlockError, sanitize_inline, validate_blocks


def test_valid_blocks_pass():
    validate_blocks(
        [
            {"type": "paragraph", "text": "Xin chào <em>Hà Nội</em>"},
            {"type": "heading", "text": "Tiêu đề", "level": 2},
            {"type": "image", "src": "/media/a.jpg", "caption": "Cảnh phố", "credit": "TTXVN"},
            {"type": "quote", "text": "Câu nói", "cite": "Ông A"},
            {"type": "list", "ordered": False, "items": ["một", "hai"]},
        ]
    )


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([{"type": "paragraph"}], "block 0 (paragraph): 'text' is a required property"),
        ([{"type": "video", "src": "x"}], "block 0.type (video)"),
        ([{"type": "paragraph", "text": "a"}, {"type": "image", "src": "a", "x": 1}], "block 1 (image)"),
        ([{"type": "list", "items": []}], "block 0.items (list)"),
        ([{"type": "heading", "text": "h", "level": 1}], "block 0.level (heading)"),
        ({"type": "paragraph", "text": "a"}, "body:"),
    ],
)
def test_bad_blocks_are_rejected_with_a_clear_message(blocks, message):
    with pytest.raises(BlockError) as err:
        validate_blocks(blocks)
    assert message in str(err.value)


def test_sanitize_keeps_links_and_emphasis_only():
    out = sanitize_inline(
        'a <script>x()</script><a href="https://e.vn" onclick="y">b</a> <em>c</em><div>d</div>'
    )
    assert "script" not in out and "onclick" not in out and "<div>" not in out
    assert '<a href="https://e.vn"' in out and "<em>c</em>" in out

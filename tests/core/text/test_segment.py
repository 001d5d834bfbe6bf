import dataclasses

import pytest

from kabar.core.blocks import validate_blocks
from kabar.core.text.segment import Segment, join_segments, split_blocks, split_html, split_sentences


def test_vietnamese_sentences_with_abbreviations_numbers_and_quotes():
    text = (
        "Tổng Bí thư đến TP. Hồ Chí Minh lúc 10 giờ. Giá nhà tăng 10.000 đồng... "
        "Ông nói: “Việt Nam luôn coi trọng quan hệ với Indonesia.” Hôm nay trời đẹp!"
    )
    assert split_sentences(text, "vi") == [
        "Tổng Bí thư đến TP. Hồ Chí Minh lúc 10 giờ.",
        "Giá nhà tăng 10.000 đồng...",
        "Ông nói: “Việt Nam luôn coi trọng quan hệ với Indonesia.”",  # the closing quote stays
        "Hôm nay trời đẹp!",
    ]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "id",
            "Presiden bertemu Dr. Budi di Jl. Sudirman No. 5 pukul 10.00 WIB. Harga naik 3,5 persen. "
            "Kemudian dia pergi.",
            [
                "Presiden bertemu Dr. Budi di Jl. Sudirman No. 5 pukul 10.00 WIB.",
                "Harga naik 3,5 persen.",
                "Kemudian dia pergi.",
            ],
        ),
        (
            "en",
            'Mr. J. K. Rowling met Dr. Smith in the U.S. on Monday. It cost $3.5 million... "I am happy." He left!',
            [
                "Mr. J. K. Rowling met Dr. Smith in the U.S. on Monday.",
                "It cost $3.5 million...",
                '"I am happy."',
                "He left!",
            ],
        ),
    ],
)
def test_rule_based_languages(lang, text, expected):
    assert split_sentences(text, lang) == expected


def test_seed_paragraphs_split_without_losing_or_cutting_numbers(shared_dir):
    seed = (shared_dir / "seeds" / "000_37899a9f6d338283.txt").read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in seed.splitlines() if len(p.split()) >= 8]
    assert paragraphs
    total = 0
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph, "id")
        total += len(sentences)
        assert " ".join(sentences) == " ".join(paragraph.split())
        for first, second in zip(sentences, sentences[1:], strict=False):
            # A cut between digits would mean "10.000" or "10.00" was split.
            assert not (first[-2:-1].isdigit() and second[:1].isdigit()), (first, second)
    assert total > len(paragraphs)  # paragraphs of several sentences were split


def test_a_boundary_inside_markup_is_not_used():
    html = 'Ông <a href="https://e.vn/a.b">Tô Lâm. Ông Kim</a> nói <em>hay</em>. Hết giờ rồi.'
    assert split_html(html, "vi") == [
        'Ông <a href="https://e.vn/a.b">Tô Lâm. Ông Kim</a> nói <em>hay</em>.',
        "Hết giờ rồi.",
    ]


def test_opening_and_closing_tags_go_with_their_sentence():
    html = "<b>Chào.</b> <i>Tạm biệt bạn.</i><br>Xin cảm ơn."
    assert split_html(html, "vi") == ["<b>Chào.</b>", "<i>Tạm biệt bạn.</i><br>", "Xin cảm ơn."]


BLOCKS = [
    {"type": "heading", "text": "Tiêu đề chính", "level": 2, "id": "h1"},
    {"type": "paragraph", "text": "Câu một. Câu <em>hai</em>."},
    {"type": "image", "src": "/m/a.jpg", "caption": "Cảnh phố. Ảnh đẹp.", "credit": "TTXVN", "alt": "phố"},
    {"type": "image", "src": "/m/b.jpg", "caption": "", "credit": "VNA"},
    {"type": "quote", "text": "Trích dẫn.", "cite": "Ông A"},
    {"type": "list", "ordered": True, "items": ["Mục một.", "Mục hai. Thêm nữa."]},
]


def test_split_blocks_positions_and_kinds():
    segments = split_blocks(BLOCKS, "vi")
    assert [(s.block_index, s.part, s.sentence_index, s.kind) for s in segments] == [
        (0, 0, 0, "heading"),
        (1, 0, 0, "paragraph"),
        (1, 0, 1, "paragraph"),
        (2, 0, 0, "caption"),
        (2, 0, 1, "caption"),
        (4, 0, 0, "quote"),
        (5, 0, 0, "list_item"),
        (5, 1, 0, "list_item"),
        (5, 1, 1, "list_item"),
    ]
    assert segments[2].text == "Câu <em>hai</em>."
    # Credits, sources, alt text and citations never become segments.
    assert not {"TTXVN", "VNA", "Ông A", "phố", "/m/a.jpg"} & {s.text for s in segments}


def test_join_rebuilds_the_same_structure():
    segments = split_blocks(BLOCKS, "vi")
    translated = [dataclasses.replace(s, text=f"T{i}.") for i, s in enumerate(segments)]
    out = join_segments(BLOCKS, translated, "en")
    validate_blocks(out)
    assert out == [
        {"type": "heading", "text": "T0.", "level": 2, "id": "h1"},
        {"type": "paragraph", "text": "T1. T2."},
        {"type": "image", "src": "/m/a.jpg", "caption": "T3. T4.", "credit": "TTXVN", "alt": "phố"},
        {"type": "image", "src": "/m/b.jpg", "caption": "", "credit": "VNA"},
        {"type": "quote", "text": "T5.", "cite": "Ông A"},
        {"type": "list", "ordered": True, "items": ["T6.", "T7. T8."]},
    ]
    assert BLOCKS[1]["text"] == "Câu một. Câu <em>hai</em>."  # the input is not modified


def test_join_without_spaces_for_languages_written_without_them():
    blocks = [{"type": "paragraph", "text": "A one. B two."}]
    translated = [Segment(0, 0, 0, "一。", "paragraph"), Segment(0, 0, 1, "二。", "paragraph")]
    assert join_segments(blocks, translated, "ja")[0]["text"] == "一。二。"

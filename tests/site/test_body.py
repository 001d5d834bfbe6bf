"""The body filter of the article page: file names and image addresses are never shown as text."""

from __future__ import annotations

import pytest

from kabar.core.blocks import strip_tags
from kabar.core.text.credits import is_file_name
from kabar.site.body import looks_like_file_name, prepare_blocks

NAMES = [
    "img-8949-8066.jpg",
    "<em>DSC_0012.JPG</em>",
    "photo.webp?w=800",
    "https://cdn.vietnam.vn/media/2025/10/12/img-8949.jpg?width=800",
    "/uploads/anh bia (1).png",
]
TEXT = ["Kim Jong Un berpidato.", "Phiên bản 1.2 đã phát hành", "report.pdf", "folder/anh-1.png", ""]


@pytest.mark.parametrize("text", NAMES + TEXT)
def test_the_page_and_the_extractor_agree_on_file_names(text: str) -> None:
    assert looks_like_file_name(text) == is_file_name(strip_tags(text))


def test_image_addresses_printed_as_text_are_dropped() -> None:
    blocks = [
        {"type": "paragraph", "text": "Người dân đi bộ trên cầu trong ngày đầu thông xe."},
        {"type": "paragraph", "text": "https://cdn.vietnam.vn/media/2025/10/12/img-8949.jpg?width=800"},
        {"type": "list", "items": ["Tin một", "/uploads/anh bia (1).png"]},
    ]
    shown = prepare_blocks(blocks, lead="", lead_figures=[])
    assert shown == [
        {"type": "paragraph", "text": "Người dân đi bộ trên cầu trong ngày đầu thông xe."},
        {"type": "list", "ordered": False, "items": ["Tin một"]},
    ]

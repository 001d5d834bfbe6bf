import copy
import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kabar.core.blocks import validate_blocks
from kabar.core.errors import StageTimeout, TooLarge
from kabar.core.extract.capture import parse_capture
from kabar.core.text.clean import _vietnamese_tone_placement as _tone_placement
from kabar.core.text.clean import clean, comparison_tokens, is_near_duplicate, normalize_text
from kabar.core.types import Extracted
from kabar.core.workers import StagePool

P1 = (
    "Kunjungan tersebut juga berkontribusi untuk mewujudkan tujuan pembangunan masing-masing negara, "
    "demi kebahagiaan rakyat kedua negara, demi perdamaian , stabilitas, kerja sama, dan pembangunan."
)
P1_RESPACED = P1.replace("perdamaian , stabilitas", "perdamaian, stabilitas")
P2 = (
    "Cuaca di Pyongyang beberapa hari terakhir hujan dan dingin. Panitia penyelenggara menyambut "
    "delegasi tingkat tinggi Vietnam dengan penuh perhatian."
)
VI_A = (
    "Giá vàng miếng SJC sáng nay tăng 500.000 đồng mỗi lượng, lên mức cao nhất từ trước đến nay tại Hà Nội."
)
VI_B = "Giá vàng miếng SJC sáng nay giảm 800.000 đồng mỗi lượng, xuống mức thấp nhất trong tháng tại TP.HCM."


def para(text: str) -> dict:
    return {"type": "paragraph", "text": text}


def doc_of(*blocks: dict, **fields) -> Extracted:
    return Extracted(
        url="https://example.vn/a", title=fields.pop("title", "Tiêu đề"), blocks=list(blocks), **fields
    )


def test_nfc_on_every_field_and_block():
    decomposed = "Vie\u0302\u0323t Nam"
    doc = doc_of(
        para(f"{decomposed} và Triều Tiên ký kết hợp tác"),
        {"type": "heading", "text": decomposed, "level": 2},
        {"type": "image", "src": "/a.jpg", "caption": f"Cờ {decomposed}", "credit": "TTXVN"},
        {"type": "list", "items": [f"{decomposed} một", "hai"]},
        title=f"Quan hệ {decomposed}",
        lead=f"{decomposed} lead",
        outlet="Ba\u0301o Nhân dân",
        authors=["Nguye\u0302\u0303n Văn A"],
    )
    out = clean(doc)
    assert out.title == "Quan hệ Việt Nam"
    assert out.lead == "Việt Nam lead"
    assert out.outlet == "Báo Nhân dân"
    assert out.authors == ["Nguyễn Văn A"]
    assert out.blocks[0]["text"] == "Việt Nam và Triều Tiên ký kết hợp tác"
    assert out.blocks[1]["text"] == "Việt Nam"
    assert out.blocks[2]["caption"] == "Cờ Việt Nam"
    assert out.blocks[3]["items"][0] == "Việt Nam một"


def test_tone_mark_placement_is_made_uniform_only_in_vietnamese_words():
    assert normalize_text("Hoà bình và thuỷ lợi, sức khoẻ") == "Hòa bình và thủy lợi, sức khỏe"
    # underthesea would also turn ASCII "qui" into "quy": not in French or English text
    assert normalize_text("Je ne sais qui. Qui Nhon") == "Je ne sais qui. Qui Nhon"


def test_one_long_word_is_normalized_in_linear_time():
    # The pattern once used to find Vietnamese words backtracked over every start
    # position of an ASCII run: 40,000 letters took 7 s, 200,000 about three minutes.
    # Run in a worker process so that a regression fails at the limit instead of hanging.
    with StagePool(1) as pool:
        assert pool.submit("clean", 5, normalize_text, "a" * 200_000).result() == "a" * 200_000
        mixed = "Hoà " + "b" * 200_000 + "é thuỷ"
        assert pool.submit("clean", 5, normalize_text, mixed).result().endswith("é thủy")


_OLD_NON_ASCII_WORD = re.compile(r"\w*[^\W\x00-\x7f]\w*")  # the quadratic pattern, as the reference


@given(
    st.text(alphabet=st.sampled_from("aQiuyo \u00e0\u1ef7\u0111\u00c9-_.,1\u00a0\u0300\u2014"), max_size=40)
)
def test_tone_placement_touches_the_same_words_as_the_old_pattern(text):
    from underthesea.pipeline.text_normalize import token_normalize

    expected = _OLD_NON_ASCII_WORD.sub(
        lambda m: str(token_normalize(m.group(0), use_character_normalize=False)), text
    )
    assert _tone_placement(text) == expected


def test_whitespace_and_invisible_characters():
    text = "  Hà\u00a0Nội\u200b  mùa\u2009thu\n\tđẹp\u00ad lắm\ufeff "
    assert normalize_text(text) == "Hà Nội mùa thu đẹp lắm"


def test_furniture_empty_and_file_name_blocks_are_dropped():
    doc = doc_of(
        para(VI_A),
        para("   "),
        para("Bình luận (3)"),
        para("img-8949-8066.jpg"),
        para("Baca juga: Harga emas Antam naik hari ini"),
        para("* * *"),
        {"type": "heading", "text": "Chia sẻ", "level": 2},
        {"type": "list", "items": ["Facebook", "Zalo"]},
        {"type": "list", "items": ["Điểm một", "Share", "Điểm một"]},
        {"type": "image", "src": "", "caption": "không có ảnh"},
        para(VI_B),
    )
    out = clean(doc)
    assert out.paragraphs == [VI_A, "Điểm một", VI_B]
    assert [b["type"] for b in out.blocks] == ["paragraph", "list", "paragraph"]


def test_near_duplicates_differing_in_spacing_are_one_paragraph():
    out = clean(doc_of(para(P1), para(P2), para(P1_RESPACED), para(P1.upper())))
    assert out.paragraphs == [P1, P2]


def test_different_paragraphs_that_share_most_words_are_kept():
    assert not is_near_duplicate(comparison_tokens(VI_A), comparison_tokens(VI_B))
    out = clean(doc_of(para(VI_A), para(VI_B)))
    assert out.paragraphs == [VI_A, VI_B]


def test_short_texts_must_match_exactly():
    assert is_near_duplicate(comparison_tokens("Kết luận."), comparison_tokens("kết luận"))
    assert not is_near_duplicate(comparison_tokens("Hà Nội"), comparison_tokens("Hà Nam"))
    assert not is_near_duplicate((), ())


def test_caption_lead_and_title_repeated_in_body_are_removed():
    caption = "Tổng Bí thư Tô Lâm phát biểu tại lễ kỷ niệm ở Bình Nhưỡng."
    lead = "Chuyến thăm cấp Nhà nước mở ra giai đoạn hợp tác mới, thiết thực và hiệu quả hơn giữa hai nước."
    doc = doc_of(
        para("Quan hệ Việt Nam - Triều Tiên bước vào giai đoạn mới"),
        para(lead),
        {"type": "image", "src": "/a.jpg", "caption": caption, "credit": "TTXVN"},
        para(f"{caption} (Ảnh: TTXVN)"),
        para(caption),
        para(VI_A),
        title="Quan hệ Việt Nam - Triều Tiên bước vào giai đoạn mới",
        lead=lead,
    )
    out = clean(doc)
    assert out.paragraphs == [VI_A]  # the caption stays on its image only
    assert out.images[0].caption == caption
    assert out.lead == lead


def test_credit_left_in_caption_is_split_and_file_name_caption_dropped():
    doc = doc_of(
        {"type": "image", "src": "/a.jpg", "caption": "Lễ đón tại Phủ Chủ tịch. Ảnh: TTXVN"},
        {"type": "image", "src": "/b.jpg", "caption": "DSC_0012.JPG", "alt": "anh-1.png"},
        {"type": "image", "src": "/a.jpg", "caption": "Lễ đón tại Phủ Chủ tịch.", "credit": "TTXVN"},
        para(VI_A),
    )
    out = clean(doc)
    assert [(i.src, i.caption, i.credit, i.alt) for i in out.images] == [
        ("/a.jpg", "Lễ đón tại Phủ Chủ tịch.", "TTXVN", ""),
        ("/b.jpg", "", "", ""),
    ]
    validate_blocks(out.blocks)


def test_trailing_list_of_other_stories_is_cut():
    doc = doc_of(
        para(VI_A),
        {"type": "heading", "text": "Tin liên quan", "level": 2},
        para("Giá xăng giảm mạnh từ chiều nay"),
        {"type": "list", "items": ["Hà Nội ra mắt tuyến metro mới", "Bão số 11 đổ bộ miền Trung"]},
    )
    assert clean(doc).paragraphs == [VI_A]


def test_list_heading_followed_by_article_text_is_kept():
    doc = doc_of(para(VI_A), {"type": "heading", "text": "Đọc thêm", "level": 2}, para(VI_B))
    assert clean(doc).paragraphs == [VI_A, "Đọc thêm", VI_B]


def test_pure_and_idempotent_on_synthetic_document():
    doc = doc_of(
        para(P1),
        para(f" {P1_RESPACED}\u00a0"),
        para("Komentar (0)"),
        {"type": "image", "src": "capture:image-1", "caption": "Lễ đón. (Foto: VNA)"},
        para("Lễ đón. (Foto: VNA)"),
        para(P2),
        {"type": "heading", "text": "Dalam kategori yang sama", "level": 2},
        para("Pasar 'terbersih' di Vietnam"),
        flags=["x", "x"],
    )
    before = copy.deepcopy(doc)
    once = clean(doc)
    assert doc == before  # input untouched
    assert clean(once) == once
    assert once.paragraphs == [P1, P2]
    assert once.flags == ["x"]


def test_idempotent_on_seed_captures(shared_dir):
    for path in sorted((shared_dir / "seeds").glob("*.txt")):
        once = clean(parse_capture(path.read_text(encoding="utf-8")))
        assert clean(once) == once, path.name
        validate_blocks(once.blocks)
        # no paragraph repeats another, even approximately
        tokens = [comparison_tokens(p) for p in once.paragraphs]
        for i, a in enumerate(tokens):
            assert not any(is_near_duplicate(a, b) for b in tokens[i + 1 :]), once.paragraphs[i]


def test_size_cap():
    doc = doc_of(para("a" * 1000))
    with pytest.raises(TooLarge) as err:
        clean(doc, max_chars=500)
    assert err.value.stage == "clean"


def test_timeout_is_reported_as_stage_timeout():
    doc = doc_of(*(para(f"Đoạn văn số {i} nói về một chủ đề khác hẳn, mã {i * 7919}.") for i in range(400)))
    with pytest.raises(StageTimeout):
        clean(doc, timeout=0)


def test_other_fields_are_carried_over():
    doc = doc_of(
        para(VI_A), source_url=" https://nhandan.vn/a-post1.html ", language="vi", section="Thế giới"
    )
    out = clean(doc)
    assert out.source_url == "https://nhandan.vn/a-post1.html"
    assert (out.language, out.section, out.url) == ("vi", "Thế giới", doc.url)
    assert dataclasses.replace(out, blocks=[]).title == "Tiêu đề"

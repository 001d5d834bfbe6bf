import copy

import pytest

from kabar.core.extract.capture import parse_capture
from kabar.core.text.clean import clean
from kabar.core.text.language import LanguageDetector, normalize_code
from kabar.core.types import Extracted

VI = (
    "Thủ tướng Chính phủ yêu cầu các bộ, ngành khẩn trương khắc phục hậu quả mưa lũ tại các tỉnh miền Trung, "
    "bảo đảm an toàn tính mạng cho người dân."
)
ID = (
    "Pemerintah meminta kementerian dan lembaga segera menangani dampak banjir di provinsi-provinsi tengah, "
    "serta memastikan keselamatan warga."
)
EN = (
    "The government asked ministries to urgently deal with the consequences of flooding in the central "
    "provinces and to keep residents safe."
)


@pytest.fixture(scope="session")
def detector() -> LanguageDetector:
    # Built once: lingua loads each language model on first use, which is the slow part.
    return LanguageDetector(("vi", "en", "id"))


def article(*paragraphs: str, title: str = "", lead: str = "") -> Extracted:
    return Extracted(
        url="https://example.vn/a",
        title=title,
        lead=lead,
        blocks=[{"type": "paragraph", "text": p} for p in paragraphs],
    )


@pytest.mark.parametrize(
    ("text", "expected"), [(VI, "vi"), (ID, "id"), (EN, "en"), ("Giá vàng hôm nay tăng mạnh", "vi")]
)
def test_detect(detector, text, expected):
    assert detector.detect(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "12/10/2025 14:30", "!!! ???"])
def test_detect_nothing_without_letters(detector, text):
    assert detector.detect(text) is None


def test_detect_many_answers_like_detect_in_order(detector):
    texts = [VI, "", EN, "12/10/2025 14:30", ID, "Giá vàng hôm nay tăng mạnh", EN[:40] * 200]
    assert detector.detect_many(texts) == [detector.detect(t) for t in texts]
    assert detector.detect_many(texts) == ["vi", None, "en", None, "id", "vi", "en"]
    assert detector.detect_many([]) == []


def test_confidence(detector):
    assert detector.confidence(VI, "vi") > 0.9
    assert detector.confidence(VI, "id") < 0.1
    assert detector.confidence(ID, "id-ID") > 0.9
    assert detector.confidence(VI, "fr") == 0.0  # not loaded


def test_only_configured_languages_are_loaded():
    built = LanguageDetector(["vi", "id", "km", "lo", "vi"])
    assert built.languages == ("vi", "id")
    assert built.unsupported == ("km", "lo")
    assert built.detect(EN) in {"vi", "id"}  # English is not among its choices


def test_no_supported_language_is_an_error():
    with pytest.raises(ValueError, match="none of the languages"):
        LanguageDetector(["km", "lo"])


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("vi-VN", "vi"),
        ("id_ID", "id"),
        ("IN", "id"),
        ("en-us", "en"),
        ("vie", "vi"),
        ("ind", "id"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_code(tag, code):
    assert normalize_code(tag) == code


def test_mismatch_is_flagged_and_detected_language_wins(detector):
    doc = article(ID, title="Banjir di Vietnam tengah")
    before = copy.deepcopy(doc)
    out = detector.detect_document(doc, "vi-VN")
    assert out.language == "id"
    assert out.flags == ["language-mismatch: declared vi, detected id"]
    assert doc == before  # the input is not changed
    assert detector.detect_document(out, "vi").flags == out.flags  # the flag is not repeated


@pytest.mark.parametrize("declared", ["id", "id_ID", "in", None])
def test_agreeing_or_missing_declaration_is_not_flagged(detector, declared):
    out = detector.detect_document(article(ID), declared)
    assert (out.language, out.flags) == ("id", [])


def test_declared_language_used_when_text_has_no_letters(detector):
    doc = article("2025", title="12/10/2025")
    assert detector.detect_document(doc, "vi-VN").language == "vi"
    unknown = detector.detect_document(doc, None)
    assert unknown.language is None
    assert unknown.flags and unknown.flags[0].startswith("language-unknown")


def test_sample_is_capped(detector):
    capped = LanguageDetector(("vi", "id"), sample_chars=300)
    doc = article(*([VI] * 50), title="Lũ lụt miền Trung", lead=VI)
    sample = capped.document_sample(doc)
    assert len(sample) == 300 and sample.startswith("Lũ lụt miền Trung\n")


def test_title_lead_and_body_decide_together(detector):
    # an English title over a Vietnamese article: the text outweighs it
    doc = article(VI, VI.replace("miền Trung", "miền Bắc"), title="Floods in Vietnam", lead=VI)
    assert detector.detect_document(doc, "en").language == "vi"


def test_seed_captures_are_indonesian(detector, shared_dir):
    paths = sorted((shared_dir / "seeds").glob("*.txt"))
    assert paths
    for path in paths:
        doc = detector.detect_document(clean(parse_capture(path.read_text(encoding="utf-8"))), None)
        assert doc.language == "id", path.name

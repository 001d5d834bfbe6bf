"""QA catches what a broken model writes instead of words, and leaves real text alone."""

import unicodedata

import pytest

from kabar.core.translate.qa import QASegment, check_gibberish, run_qa
from kabar.core.translate.qa_gibberish import letter_bits

SOURCE = "Người dân Hà Nội trồng cây xanh vào sáng thứ Hai."


@pytest.mark.parametrize(
    ("target", "says"),
    [
        # Outputs of the kind small and mis-converted models really produce.
        ("rrrrronononononon", "run"),
        ("The residents rrrrrrr planted trees.", "run"),
        ("Residents planted ononononononon trees on Monday.", "loop inside a word"),
        ("Warga menanam pohon kekekekekeke pada Senin pagi.", "loop inside a word"),
        ("na na na na ne na no na ne no an na en on na ne", "too few different letters"),
        ("eeee aaa eae aea eee aae eaa aee", "too few different letters"),
        ("Residents plantedtreesonmondaymorninginhanoicity today.", "letters is no word"),
        ("▁▁thethegovernmentgovernmentgovernmentannounced", "letters is no word"),
    ],
)
def test_gibberish_is_an_error(target, says):
    issues = check_gibberish(SOURCE, target)
    assert issues, target
    assert all(i.check == "gibberish" and i.severity == "error" for i in issues)
    assert any(says in i.message for i in issues), [i.message for i in issues]


def test_the_reported_failure_fails_the_whole_text():
    report = run_qa([QASegment(SOURCE, "rrrrronononon…")], "vi", "en")
    assert not report.passed
    assert any(i.check == "gibberish" for i in report.issues)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        # Vietnamese with every kind of diacritic, and the same text typed decomposed (NFD).
        ("The government announced a new plan.", "Chính phủ công bố kế hoạch mới hôm nay."),
        ("Residents", unicodedata.normalize("NFD", "Người dân ở Thừa Thiên Huế được hướng dẫn sơ tán.")),
        # Numbers, dates, codes and URLs are not letters.
        ("Giá 10.000.000 đồng.", "The price is 10,000,000 dong (VND 10000000) from 1/1/2025."),
        (
            "Xem tại https://baosonghong.example/tin-tuc/aaaaaaa-bbbbbbb.html",
            "See https://baosonghong.example/tin-tuc/aaaaaaa-bbbbbbb.html or www.zzzzzz.example",
        ),
        ("Liên hệ: hhhhhh@example.com", "Contact: hhhhhh@example.com"),
        # Long Indonesian affixed words, and Indonesian reduplication with a hyphen.
        (
            "Họ phải chịu trách nhiệm.",
            "Mereka harus mempertanggungjawabkan ketidakberdayaan anak-anak itu.",
        ),
        # Three repetitions of a syllable are ordinary words: decided not to flag "hahaha".
        ("Anh ấy cười: “Tôi không biết”.", "He laughed: “hahaha, I don't know”."),
        ("Nanana", "Nanana"),
        # What the source already has is carried over, not invented.
        (
            "Anh ấy hét lên “aaaaaaah” và cười “hahahahaha”.",
            "He shouted “aaaaaaah” and laughed “hahahahaha”.",
        ),
        (
            "Làng Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch ở xứ Wales.",
            "The village of Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch in Wales.",
        ),
        # Short and name-heavy texts, and ordinary English with double letters.
        ("Ông A.", "Mr A."),
        ("Hà Nội", "Hanoi"),
        (
            "Bộ trưởng nói.",
            "The committee's bookkeeper called Mississippi's successful assessment a success.",
        ),
        ("Đội tuyển thắng 3-0.", "Việt Nam 3-0 Lào; Thái Lan 2-2 Malaysia."),
    ],
)
def test_real_text_is_not_gibberish(source, target):
    assert check_gibberish(source, target) == []


def test_running_text_carries_about_four_bits_per_letter():
    # The diversity threshold sits far below what real text in each site language carries.
    for text in (
        "Chính phủ công bố kế hoạch mới về xây dựng cầu đường tại các tỉnh miền Trung.",
        "The government announced a new plan to build roads in the central provinces.",
        "Pemerintah mengumumkan rencana baru untuk membangun jalan di provinsi tengah.",
    ):
        words = text.casefold().split()
        assert letter_bits([w for w in words if w.isalpha()]) > 3.5, text


def test_a_loop_without_letters_is_not_this_checks_business():
    assert check_gibberish("Tỷ số 1-0.", "1111111 2222222 ......") == []

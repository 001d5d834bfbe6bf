"""Names and numbers that let articles in vi, en and id about one event meet."""

from __future__ import annotations

import pytest

from kabar.core.discover.entities import conflicting, extract, fold, is_marker, markers, names, numbers


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Đường Hà Nội") == "duong ha noi"
    assert fold("ĐÀ NẴNG") == "da nang"


def test_vietnamese_and_english_spellings_of_a_place_meet() -> None:
    vi = names("Bão đổ bộ vào tỉnh Quảng Ninh và thủ đô Hà Nội.")
    en = names("The storm hit Quang Ninh province and the capital Hanoi.")
    assert {"quangninh", "hanoi"} <= vi
    assert {"quangninh", "hanoi"} <= en


def test_a_shared_word_of_a_longer_name_is_kept() -> None:
    assert "yagi" in names("Người dân chuẩn bị đón Bão Yagi.")
    assert "yagi" in names("Residents brace for Typhoon Yagi.")
    assert "yagi" in names("Warga bersiap menghadapi Topan Yagi.")


def test_a_capitalised_word_that_only_opens_a_sentence_is_not_a_name() -> None:
    found = names("Yesterday it rained. Heavy rain fell again today.")
    assert found == set()


def test_function_words_and_calendar_words_are_not_names() -> None:
    found = names("On Monday, the Bank of Indonesia met. Ông Nguyễn Văn An cho biết vào Tháng Ba.")
    assert "monday" not in found
    assert "indonesia" in found
    assert "nguyenvanan" in found
    assert "ong" not in found and "thang" not in found


def test_acronyms_are_names() -> None:
    assert "asean" in names("Leaders met at the ASEAN summit.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hơn 1.500 người sơ tán", "1500"),
        ("More than 1,500 people evacuated", "1500"),
        ("Sebanyak 1.500 orang mengungsi", "1500"),
        ("lạm phát 3,5%", "3.5:%"),
        ("inflation of 3.5 percent", "3.5:%"),
        ("inflasi 3,5 persen", "3.5:%"),
        ("thiệt hại 2 tỷ đồng", "2e+09:vnd"),
        ("damage of VND2 billion", "2e+09:vnd"),
        ("US$3.5 billion", "3.5e+09:usd"),
        ("Rp 5 triliun", "5e+12:idr"),
        ("gió giật 150 km/h", "150:km/h"),
        ("angin 150 km/jam", "150:km/h"),
        ("300.000 tấn gạo", "300000:t"),
        ("300,000 tonnes of rice", "300000:t"),
    ],
)
def test_numbers_are_read_with_either_convention_and_their_unit(text: str, expected: str) -> None:
    assert expected in numbers(text)


def test_years_and_small_bare_numbers_are_left_out() -> None:
    assert numbers("In 2024, 3 people were hurt.") == set()
    assert numbers("3 km") == {"3:km"}  # a unit makes even a small number specific


def test_extract_is_names_and_numbers() -> None:
    found = extract("Typhoon Yagi hit Quang Ninh with winds of 150 km/h.")
    assert {"yagi", "quangninh", "150:km/h"} <= found
    assert extract("") == frozenset()


def test_a_possessive_ends_a_name() -> None:
    found = names("Crowds filled Hong Chau's Metro Line 2 on Friday.")
    assert {"hongchau", "metroline"} <= found
    assert not any("'" in name or "’" in name for name in found)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Lễ hội đèn lồng sông Vân 2024 sẽ thả 3.000 đèn", {"@year:2024"}),
        ("Maraton Tanjung Seruni 2025 buka pendaftaran", {"@year:2025"}),
        # a year the title only refers to is not the event's
        ("Hong Chau water price to rise from 2026", {"@price:up"}),
        ("Hồng Châu đề xuất tăng giá nước sạch 12% từ năm 2026", {"@price:up"}),
        ("Berth project delayed to 2027 after dredging curbs", set()),
        ("Bão số 12 đổ bộ Hồng Châu", {"@storm:12"}),
        ("Storm No. 12 slams into Hong Chau coast", {"@storm:12"}),
        ("Badai nomor 9 menjauh dari pesisir", {"@storm:9"}),
        ("Hơn 1.500 người tham gia diễn tập ứng phó bão mạnh", {"@drill"}),
        ("Cua Lach stages its largest storm drill since 2019", {"@drill"}),
        ("Ribuan warga ikut simulasi evakuasi tsunami", {"@drill"}),
        ("Giá xăng giảm mạnh nhất từ đầu năm", {"@price:down"}),
        ("Petrol rises more than 800 dong a litre", {"@price:up"}),
        ("Harga beras turun di pasar Tanjung Seruni", {"@price:down"}),
        # both directions: which price is the story? neither is said
        ("Cars parked in the old quarter fall 30% after fee rise", set()),
        ("Giá xăng tăng, taxi Hồng Châu chưa giảm cước", set()),
    ],
)
def test_markers_of_a_title(title: str, expected: set[str]) -> None:
    assert markers(title) == expected


def test_markers_read_the_lead_for_storms_and_drills_but_years_only_in_the_title() -> None:
    found = markers("Cửa Lạch ngập sâu", "Rạng sáng 5/11, bão số 12 đổ bộ; năm 2024 cũng có bão lớn.")
    assert found == {"@storm:12"}
    assert markers("Sơ tán 300 hộ dân", "Buổi diễn tập sáng 21/10 giả định bão cấp 12.") == {"@drill"}


def test_conflicting_markers() -> None:
    assert conflicting(frozenset({"@year:2024"}), frozenset({"@year:2025"}))
    assert not conflicting(frozenset({"@year:2025"}), frozenset({"@year:2025", "@year:2026"}))
    assert not conflicting(frozenset({"@year:2024"}), frozenset({"hongchau"}))  # one side says nothing
    assert conflicting(frozenset({"@storm:11"}), frozenset({"@storm:12"}))
    assert conflicting(frozenset({"@drill"}), frozenset({"@storm:12", "cualach"}))
    assert not conflicting(frozenset({"@drill", "cualach"}), frozenset({"@drill"}))
    assert conflicting(frozenset({"@price:up"}), frozenset({"@price:down"}))
    assert not conflicting(frozenset({"@price:up"}), frozenset())


def test_markers_are_not_names_or_numbers() -> None:
    assert all(is_marker(m) for m in markers("Bão số 12: diễn tập 2025", "giá xăng tăng"))
    assert not any(is_marker(e) for e in extract("Bão số 12 đổ bộ Hồng Châu năm 2025 với gió 150 km/h"))

import datetime as dt
import zoneinfo

import pytest

from kabar.core.extract.dates import DEFAULT_TZ, find_date, parse_local_date, states_day

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC


def at(*parts: int, tz: dt.tzinfo = HCM) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("12/10/2025 14:30", "vi", at(2025, 10, 12, 14, 30)),
        ("12/10/2025", None, at(2025, 10, 12)),
        ("12-10-2025", "id", at(2025, 10, 12)),
        ("12.10.2025", "vi", at(2025, 10, 12)),
        ("Thứ Hai, 13/10/2025, 08:15 (GMT+7)", "vi", at(2025, 10, 13, 8, 15)),
        ("Thứ bảy, 11/10/2025 - 07:05", "vi", at(2025, 10, 11, 7, 5)),
        ("Cập nhật lúc 14h30 12/10/2025", "vi", at(2025, 10, 12, 14, 30)),
        ("ngày 12 tháng 10 năm 2025", "vi", at(2025, 10, 12)),
        ("Senin, 13 Oktober 2025", "id", at(2025, 10, 13)),
        ("13 Okt 2025 10:00 WIB", "id", at(2025, 10, 13, 10, 0)),
        ("October 13, 2025", "en", at(2025, 10, 13)),
        ("Oct. 13, 2025 10:00 AM", None, at(2025, 10, 13, 10, 0)),
        ("2025-10-13T08:15:00+07:00", None, at(2025, 10, 13, 8, 15)),
        ("2025-10-13", None, at(2025, 10, 13)),
        ("3/2/2025", "vi", at(2025, 2, 3)),  # day first
    ],
)
def test_local_formats(text, lang, expected):
    parsed = parse_local_date(text, lang)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


def test_english_numeric_dates_are_month_first():
    assert parse_local_date("3/2/2025", "en") == at(2025, 3, 2)


def test_written_time_zone_is_honoured_and_result_is_in_requested_zone():
    # 10:00 WITA is UTC+8, i.e. 02:00 UTC
    parsed = parse_local_date("13 Okt 2025 10:00 WITA", "id", tz=UTC)
    assert parsed == dt.datetime(2025, 10, 13, 2, 0, tzinfo=UTC)
    assert parsed.utcoffset() == dt.timedelta(0)


def test_date_only_is_local_midnight_in_given_zone():
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    assert parse_local_date("13/10/2025", tz=jakarta) == dt.datetime(2025, 10, 13, tzinfo=jakarta)
    assert DEFAULT_TZ == HCM


@pytest.mark.parametrize(
    "text",
    [
        "Komentar (0)",
        "dalam 18 tahun",
        "31/02/2025",
        "Rp 1.200.000",
        "Bình luận",
        "",
        "Tahun 2025",
        "13 WITA 2025",
    ],
)
def test_no_date(text):
    assert parse_local_date(text) is None


def test_find_date_in_glued_outlet_line():
    line = "Báo Nhân dânBáo Nhân dân12/10/2025"
    found = find_date(line)
    assert found is not None
    when, (start, end) = found
    assert when == at(2025, 10, 12)
    assert line[start:end] == "12/10/2025"
    assert line[:start] == "Báo Nhân dânBáo Nhân dân"


def test_find_date_returns_first_date_with_its_time():
    line = "Cập nhật: 08:15 - 13/10/2025. Sự kiện diễn ra ngày 20/10/2025"
    found = find_date(line)
    assert found is not None
    assert found[0] == at(2025, 10, 13, 8, 15)
    assert line[found[1][0] : found[1][1]] == "08:15 - 13/10/2025"


def test_find_date_inside_sentence():
    found = find_date("Upacara peresmian di Pyongyang pada 16 April 2025. (Foto: Yonhap/VNA)")
    assert found is not None and found[0] == at(2025, 4, 16)


def test_find_date_none():
    assert find_date("Kunjungan kenegaraan ke Republik Rakyat Demokratik Korea") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 13 Oct 2025 10:00:00 GMT", dt.datetime(2025, 10, 13, 10, 0, tzinfo=UTC)),
        ("Mon, 13 Oct 2025 10:00:00 +0000", dt.datetime(2025, 10, 13, 10, 0, tzinfo=UTC)),
        ("13/10/2025 08:15 UTC", dt.datetime(2025, 10, 13, 8, 15, tzinfo=UTC)),
    ],
)
def test_explicit_utc_is_not_read_as_local_time(text, expected):
    assert parse_local_date(text) == expected


def test_weekday_before_the_date_belongs_to_the_span():
    line = "Báo Hà Nội MớiThứ Hai, 13/10/2025, 08:15 (GMT+7)"
    found = find_date(line)
    assert found is not None
    assert line[: found[1][0]] == "Báo Hà Nội Mới"
    assert line[found[1][0] :] == "Thứ Hai, 13/10/2025, 08:15 (GMT+7)"
    line = "Kompas.com - Senin, 13 Oktober 2025"
    found = find_date(line)
    assert found is not None and line[: found[1][0]] == "Kompas.com - "


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("published 2024-02-01T10:00", True),
        ("https://example.org/2024/02/01/story", True),
        ("01/02/2024", True),
        ("1.2.2024", True),
        ("02/01/2024", True),  # month first
        ("20240201", True),
        ("ngày 1 tháng 2 năm 2024", True),
        ("2024-02-30", False),  # the value htmldate read as 1 February
        ("https://example.org/2024/02/story", False),
        ("2024", False),
        ("12024-02-01", False),
        ("2024-02-011", False),
        ("2024-02/01", False),
    ],
)
def test_states_day_needs_day_month_and_year_written(text: str, stated: bool) -> None:
    assert states_day(dt.date(2024, 2, 1), text) is stated

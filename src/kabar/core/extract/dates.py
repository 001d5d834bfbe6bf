"""Dates as Vietnamese, Indonesian and English news pages print them.

Finding *where* a date is in a line is done here with a few shapes (numeric
day-first, "ngày 12 tháng 10 năm 2025", "13 Oktober 2025", "October 13, 2025",
ISO 8601), because general date search also "finds" dates in ordinary words.
Turning the matched text into a datetime — month names, weekday names, time
zone names like WIB or "(GMT+7)" — is left to ``dateparser``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from typing import Any

import dateparser

DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_LANGUAGES: tuple[str, ...] = ("vi", "id", "en")
MIN_YEAR, MAX_YEAR = 1900, 2100

# Languages whose sites write 12/10/2025 for 12 October. English pages on these
# sites mostly do too, so only an explicit lang="en" switches to month-first.
MONTH_FIRST_LANGUAGES = frozenset({"en"})

_TIME = r"\d{1,2}(?:[:h]\d{2})(?::\d{2})?(?:\s*(?:AM|PM|am|pm|a\.m\.|p\.m\.|SA|CH))?"
# Zone names as outlets print them: Indonesian, Vietnamese, and the North American and European ones.
_ZONE_NAMES = r"WIB|WITA|WIT|ICT|[ECMP][SD]T|AK[SD]T|H[SD]T|BST|CES?T|EES?T|JST|KST|SGT|HKT|AES?T|AEDT"
_ZONE = rf"(?:\s*\(?\s*(?:GMT|UTC)(?:\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?)?\s*\)?|\s+(?:{_ZONE_NAMES}|[+-]\d{{2}}:?\d{{2}})\b)"
_TIME_AFTER = rf"(?:\s*[,|\-–]?\s*(?:lúc\s+|pukul\s+|at\s+|jam\s+)?{_TIME}{_ZONE}?)?"
_TIME_BEFORE = rf"(?:{_TIME}{_ZONE}?\s*[,|\-–]?\s*)?"
_WORD = r"[^\W\d_]{3,10}\.?"  # a month name or abbreviation; dateparser decides which words are months

DATE_SHAPES: tuple[re.Pattern[str], ...] = (
    # 2025-10-13, 2025-10-13T08:15:00+07:00
    re.compile(
        r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
    ),
    # ngày 12 tháng 10 năm 2025 / 12 tháng 10, 2025
    re.compile(
        rf"(?:{_TIME_BEFORE})(?:ngày\s+)?\d{{1,2}}\s+tháng\s+\d{{1,2}}(?:\s+năm|,)?\s+\d{{4}}{_TIME_AFTER}",
        re.I,
    ),
    # 12/10/2025 14:30, 12-10-2025, 12.10.2025, 08:15 - 13/10/2025
    re.compile(rf"(?<![\d/.-]){_TIME_BEFORE}\d{{1,2}}([/.-])\d{{1,2}}\1\d{{4}}(?![\d/])(?:{_TIME_AFTER})"),
    # 13 Oktober 2025 10:00 WIB, 13 Okt 2025
    re.compile(rf"(?<!\d){_TIME_BEFORE}\d{{1,2}}\s+{_WORD}\s+\d{{4}}(?!\d){_TIME_AFTER}"),
    # October 13, 2025 / Oct. 13, 2025 10:00 AM
    re.compile(rf"\b{_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d){_TIME_AFTER}"),
)


# Weekday names that may stand before a date ("Thứ Hai, 13/10/2025"); they belong
# to the date's span, so that text glued before them (an outlet name) comes off clean.
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "vi": (
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
        "Thứ 2",
        "Thứ 3",
        "Thứ 4",
        "Thứ 5",
        "Thứ 6",
        "Thứ 7",
        "CN",
        "T2",
        "T3",
        "T4",
        "T5",
        "T6",
        "T7",
    ),
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Jum'at", "Sabtu", "Minggu", "Ahad"),
    "en": (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Mon",
        "Tue",
        "Tues",
        "Wed",
        "Thu",
        "Thur",
        "Thurs",
        "Fri",
        "Sat",
        "Sun",
    ),
}
_WEEKDAY_NAMES = sorted({w for names in WEEKDAYS.values() for w in names}, key=len, reverse=True)
_WEEKDAY_BEFORE = re.compile(rf"(?:{'|'.join(re.escape(w) for w in _WEEKDAY_NAMES)})\.?\s*[,\-–]?\s*$", re.I)


def _with_weekday(text: str, start: int) -> int:
    """Start of the date span, moved back over a weekday name right before it."""
    weekday = _WEEKDAY_BEFORE.search(text, 0, start)
    return weekday.start() if weekday else start


def _dateparser_settings(lang: str | None) -> dict[str, Any]:
    order = "MDY" if lang in MONTH_FIRST_LANGUAGES else "DMY"
    return {"DATE_ORDER": order, "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}


def _prepare(span: str) -> str:
    # dateparser does not read the Vietnamese "14h30", nor the "6:10 a.m." of American style guides.
    span = re.sub(r"(?<=\d)h(?=\d{2})", ":", span)
    return re.sub(r"\b([ap])\.m\.", lambda m: f"{m.group(1)}m", span, flags=re.I)


def _parse_span(span: str, lang: str | None, tz: dt.tzinfo, *, convert: bool = True) -> dt.datetime | None:
    languages = [lang] if lang else list(DEFAULT_LANGUAGES)
    try:
        parsed: dt.datetime | None = dateparser.parse(
            _prepare(span), languages=languages, settings=_dateparser_settings(lang)
        )
    except (ValueError, OverflowError):
        return None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    if not convert:
        # The zone the page wrote ("10:00 WITA", "4:05 PM EDT") is the outlet's own: kept, so the time
        # reads as the outlet printed it. Only its offset is kept, as a fixed zone.
        offset = parsed.utcoffset()
        return parsed.replace(tzinfo=dt.timezone(offset)) if offset is not None else parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def find_date(
    text: str, lang: str | None = None, tz: dt.tzinfo | None = None, *, page_tz: dt.tzinfo | None = None
) -> tuple[dt.datetime, tuple[int, int]] | None:
    """The first date in ``text`` and its ``(start, end)`` span, or ``None``.

    Works inside longer lines, e.g. "Báo Nhân dânBáo Nhân dân12/10/2025" gives
    2025-10-12 00:00 and the span of "12/10/2025". The result is tz-aware. A time
    zone written in the text is honoured: the result is in ``tz`` when one is
    given, else in the written zone (the outlet's own, not converted). A date
    with no zone written is read in ``tz``, else in ``page_tz`` (the zone the
    page's machine-readable dates use: a US outlet's pages are not in Hanoi's),
    else in Asia/Ho_Chi_Minh.
    """
    text = unicodedata.normalize("NFC", text)
    convert = tz is not None
    tz = tz or page_tz or DEFAULT_TZ
    candidates: list[re.Match[str]] = []
    for shape in DATE_SHAPES:
        candidates.extend(shape.finditer(text))
    # Earliest first; of two starting together the longer one carries the time.
    for match in sorted(candidates, key=lambda m: (m.start(), -m.end())):
        parsed = _parse_span(match.group(0).strip(" ,|-–"), lang, tz, convert=convert)
        if parsed is not None:
            start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip(" ,|-–")))
            end = match.end() - (len(match.group(0)) - len(match.group(0).rstrip(" ,|-–")))
            return parsed, (_with_weekday(text, start), end)
    return None


def parse_local_date(
    text: str, lang: str | None = None, tz: dt.tzinfo | None = None, *, page_tz: dt.tzinfo | None = None
) -> dt.datetime | None:
    """Parse a date as a local page prints it; ``None`` when there is none.

    Day-first for numeric dates (Vietnamese and Indonesian pages), month-first
    only when ``lang == "en"``. Date-only inputs give 00:00 in ``tz``.
    Weekday names and labels around the date ("Thứ Hai, ...", "Cập nhật:") are
    ignored.
    """
    found = find_date(text, lang, tz, page_tz=page_tz)
    return found[0] if found else None


def _numeric_forms(day: dt.date) -> tuple[str, ...]:
    year, month, dom = day.year, f"0?{day.month}", f"0?{day.day}"
    return (
        rf"{year}(?P<s1>[-/.]){month}(?P=s1){dom}",  # 2024-02-01, /2024/02/01/ in an address
        rf"{year}{day.month:02}{day.day:02}",  # 20240201
        rf"{dom}(?P<s2>[-/.]){month}(?P=s2){year}",  # 01/02/2024, 1.2.2024
        rf"{month}(?P<s3>[-/.]){dom}(?P=s3){year}",  # 02/01/2024 (month first)
        rf"{dom}\s+tháng\s+{month}(?:\s+năm|,)?\s+{year}",  # 1 tháng 2 năm 2024
    )


def states_day(day: dt.date, text: str) -> bool:
    """True when ``text`` writes ``day`` out in numbers, day, month and year together.

    A date guessed from part of a value (htmldate reads "2024-02-30" as
    February 2024, or a bare year as 1 January) comes back as the first of the
    month; a page that does state that day writes it somewhere in one of these forms.
    """
    pattern = "|".join(f"(?:{form})" for form in _numeric_forms(day))
    return re.search(rf"(?<!\d)(?:{pattern})(?!\d)", text, re.I) is not None

"""Named entities and numbers shared across languages, as plain normalised strings.

Two articles about one event name the same people, places and figures, whatever their
language: "Hà Nội" / "Hanoi", "1.500 người" / "1,500 people" / "1.500 orang". Stories of
different events that share vocabulary ("a storm", "interest rates") rarely share those.

Names are runs of capitalised words that do not merely start a sentence, plus acronyms;
each is folded (diacritics removed, đ → d, lower case) and its spaces dropped, so the
Vietnamese syllables "Hà Nội" and the English "Hanoi" meet as ``hanoi``. Single words of a
run are kept too ("Bão Yagi" and "Typhoon Yagi" share ``yagi``). Numbers are read with
either decimal convention ("3,5" vi/id, "3.5" en; a group of exactly three digits after the
separator is a thousands group), multiplied by scale words (tỷ, billion, miliar …) and keep
a unit class when one follows (%, km, kg, currency). Bare small numbers and years are left
out: they are shared by unrelated stories.

Pure and dependency-free: no NER model (none covers vi/en/id evenly and cheaply).
"""

from __future__ import annotations

import re
import unicodedata

# Capitalised words that are function words, titles or calendar names: never a name on their own.
_STOP = frozenset(
    """
    the a an in on at of for and or but to from by with as is are was were this that these those
    he she it we they his her its our their i you mr mrs ms dr sir usd vnd idr rp eur
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december
    ông bà anh chị các những một này đó theo trong khi sau trước tại với và của là được cho
    ngày tháng năm thứ chủ nhật sáng chiều tối hôm
    yang dan di ke dari pada untuk dengan ini itu para sang pak bu bapak ibu senin selasa rabu
    kamis jumat sabtu minggu januari februari maret mei juni juli agustus oktober desember
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Scale words: "2 tỷ đồng", "2 billion", "2 miliar".
_SCALE = {
    "nghìn": 1e3, "ngàn": 1e3, "thousand": 1e3, "ribu": 1e3, "rb": 1e3,
    "triệu": 1e6, "million": 1e6, "juta": 1e6, "jt": 1e6,
    "tỷ": 1e9, "tỉ": 1e9, "billion": 1e9, "miliar": 1e9, "milyar": 1e9, "bn": 1e9,
    "nghìn tỷ": 1e12, "trillion": 1e12, "triliun": 1e12,
}  # fmt: skip

# Units, by class, in the three languages.
_UNITS = {
    "%": "%", "phần trăm": "%", "percent": "%", "per cent": "%", "persen": "%",
    "km/h": "km/h", "km/giờ": "km/h", "km/jam": "km/h", "kmh": "km/h",
    "km": "km", "kilomet": "km", "kilometres": "km", "kilometers": "km", "kilometer": "km",
    "m": "m", "mét": "m", "metres": "m", "meters": "m", "meter": "m",
    "mm": "mm", "cm": "cm", "ha": "ha", "hectares": "ha", "hecta": "ha", "hektar": "ha",
    "kg": "kg", "tấn": "t", "tonnes": "t", "tons": "t", "tonne": "t", "ton": "t",
    "mw": "mw", "gw": "gw", "độ": "deg", "°c": "deg", "degrees": "deg", "derajat": "deg",
    "usd": "usd", "$": "usd", "us$": "usd", "dollars": "usd", "đô la": "usd", "dolar": "usd",
    "đồng": "vnd", "vnd": "vnd", "vnđ": "vnd", "dong": "vnd",
    "rupiah": "idr", "rp": "idr", "idr": "idr", "euro": "eur", "eur": "eur", "€": "eur",
}  # fmt: skip

_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_END = frozenset(".!?:;\n•")
_QUOTES = frozenset("\"“”‘’«»()[]'")
# Words, numbers, and single other characters (punctuation decides where sentences start).
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*|\d[\d.,]*|\S|\n")
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<cur>US\$|\$|€|Rp\.?\s?|VND\s?|USD\s?)?(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?P<rest>(?:\s*(?:%|°C|[^\W\d_][\w/]*)){0,2})",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower case without diacritics, đ → d (NFKD leaves đ alone)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _name_words(run: list[str], starts_sentence: bool) -> list[str]:
    """The words of a capitalised run that name something (function words trimmed off its ends)."""
    words = list(run)
    while words and words[0].casefold() in _STOP:
        words.pop(0)
        starts_sentence = False  # "The Bank of …": what follows "The" is a name
    if len(words) == 1 and starts_sentence and not words[0].isupper():
        return []  # one capitalised word opening a sentence is just grammar
    return words


def names(text: str) -> set[str]:
    """Folded names (spaces removed) of capitalised runs not just starting a sentence, and their words."""
    found: set[str] = set()
    run: list[str] = []
    run_starts_sentence = False
    sentence_start = True

    def close() -> None:
        words = _name_words(run, run_starts_sentence)
        run.clear()
        if len(words) > 1:
            found.add(fold("".join(words)))
        for word in words:
            if word.casefold() not in _STOP and (len(word) > 2 or word.isupper()):
                found.add(fold(word))

    for token in _TOKEN.findall(text):
        if token[0].isalpha() and token[0].isupper():
            if not run:
                run_starts_sentence = sentence_start
            # "Hong Chau's Metro Line": the possessive ends one name ("hongchau") before the next.
            possessive = _POSSESSIVE.search(token)
            run.append((token[: possessive.start()] if possessive else token).strip("'’-"))
            sentence_start = False
            if possessive:
                close()
            continue
        if run:
            close()
        if token in _SENTENCE_END:
            sentence_start = True
        elif not token.isspace() and token not in _QUOTES:
            sentence_start = False
    if run:
        close()
    return {name for name in found if len(name) > 1}


def _parse_number(raw: str) -> float | None:
    """``raw`` read with either convention: 1.500 / 1,500 = 1500; 3,5 / 3.5 = 3.5."""
    groups = re.split(r"[.,]", raw)
    if len(groups) == 1:
        return float(raw)
    if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
        return float("".join(groups))  # thousands groups only
    if len(groups) == 2:
        return float(f"{groups[0]}.{groups[1]}")
    # thousands groups then a decimal part: 1.234,5 or 1,234.5
    return float("".join(groups[:-1]) + "." + groups[-1])


def _format(value: float) -> str:
    return f"{value:.6g}"


def numbers(text: str) -> set[str]:
    """Numbers with their scale applied and unit class, e.g. ``2e+09:vnd``, ``150:km/h``, ``3.5:%``."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        value = _parse_number(match["num"])
        if value is None:
            continue
        unit = "usd" if match["cur"] and "$" in match["cur"] else ""
        if match["cur"] and match["cur"].lower().startswith("rp"):
            unit = "idr"
        if match["cur"] == "€":
            unit = "eur"
        if match["cur"] and match["cur"].strip().upper() in {"VND", "USD"}:
            unit = match["cur"].strip().lower()
        rest = match["rest"].strip().casefold().split()
        rest_words = [w.rstrip(".,;:") for w in rest]
        # a scale word, then perhaps a unit: "2 tỷ đồng", "3 billion dollars"
        index = 0
        two = " ".join(rest_words[:2])
        if two in _SCALE:
            value *= _SCALE[two]
            index = 2
        elif rest_words and rest_words[0] in _SCALE:
            value *= _SCALE[rest_words[0]]
            index = 1
        tail = rest_words[index:]
        if not unit and tail:
            pair = " ".join(tail[:2])
            unit = _UNITS.get(pair) or _UNITS.get(tail[0], "")
        raw = match["rest"].lstrip()
        if not unit and raw.startswith("%"):
            unit = "%"
        if not unit and (value < 10 or (1900 <= value <= 2100 and value.is_integer())):
            continue  # "3 people", "in 2024": shared by unrelated stories
        found.add(f"{_format(value)}:{unit}" if unit else _format(value))
    return found


def extract(text: str) -> frozenset[str]:
    """Names and numbers of ``text``, normalised so that other languages' versions meet."""
    return frozenset(names(text) | numbers(text))


# -- markers: what two reports of one event cannot disagree on ------------------------------------
#
# Shared names say "maybe the same event"; some facts say "certainly not": a title's year (the
# 2024 and the 2025 lantern festival), a storm's number (bão số 11 / storm No. 12), a price rise
# against a cut, a drill against the real thing. They are kept with the entities as "@kind:value" strings (names and numbers
# never start with "@"), read from the title and lead only: the body of a report on storm No. 12
# may well recall "the drill in October" or "storm No. 9 last year".

MARKER = "@"
# "largest drill since 2019", "delayed to 2027", "từ năm 2026": the title's event is not that year.
_YEAR_REFERENCE = frozenset(
    """
    since until till to by from before after sejak hingga sampai sebelum setelah từ đến tới trước sau
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_TITLE_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\w]|[.,]\d)")
_STORM_NUMBER = re.compile(
    r"\b(?:bão|áp thấp nhiệt đới|storm|typhoon|tropical depression|badai|topan|siklon)\s+"
    r"(?:số|no\.?|number|nomor|nr\.?)\s*(\d{1,2})\b",
    re.IGNORECASE,
)
# A price that went up and one that came down are two events, however alike the reports read.
_PRICE = re.compile(
    r"\b(?:giá|cước|phí|prices?|fares?|fees?|tariffs?|petrol|fuel|harga|tarif|ongkos|biaya)\b", re.IGNORECASE
)
_UP = re.compile(r"\b(?:tăng|rises?|rising|rose|increases?|hikes?|raises?|naik|kenaikan)\b", re.IGNORECASE)
_DOWN = re.compile(
    r"\b(?:giảm|falls?|fell|cuts?|drops?|lowers?|reduces?|turun|penurunan|dipangkas)\b", re.IGNORECASE
)
_DRILL = re.compile(r"diễn tập|\bdrills?\b|\brehears\w*|\bsimulasi\b|\bgladi\b", re.IGNORECASE)


def _title_years(title: str) -> set[str]:
    found = set()
    for match in _TITLE_YEAR.finditer(title):
        before = title[: match.start()].split()[-2:]
        words = [w.casefold().strip(",.;:()") for w in before]
        if words and words[-1] == "năm":  # "từ năm 2026": look past "năm"
            words = words[:-1]
        if words and words[-1] in _YEAR_REFERENCE:
            continue
        found.add(f"{MARKER}year:{match.group(0)}")
    return found


def markers(title: str, lead: str = "") -> frozenset[str]:
    """The title's years, storm numbers, price direction and whether it reports a drill, as
    ``@kind:value`` strings."""
    head = f"{title}\n{lead}"
    found = _title_years(title)
    found.update(f"{MARKER}storm:{int(n)}" for n in _STORM_NUMBER.findall(head))
    if _DRILL.search(head):
        found.add(f"{MARKER}drill")
    if _PRICE.search(title):  # the title's one direction; "fee rise, fewer cars" says neither
        up, down = bool(_UP.search(title)), bool(_DOWN.search(title))
        if up != down:
            found.add(f"{MARKER}price:{'up' if up else 'down'}")
    return frozenset(found)


def is_marker(entity: str) -> bool:
    return entity.startswith(MARKER)


def conflicting(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether the markers of two articles say they report different events.

    Different years in both titles, different storm numbers, a price rise against a price cut, or
    a drill against something that is not one. Either side without a year (a storm number, a
    price direction) says nothing.
    """
    for kind in (f"{MARKER}year:", f"{MARKER}storm:", f"{MARKER}price:"):
        left = {m for m in a if m.startswith(kind)}
        right = {m for m in b if m.startswith(kind)}
        if left and right and not left & right:
            return True
    drill = f"{MARKER}drill"
    return (drill in a) != (drill in b)

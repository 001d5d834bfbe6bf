"""Photo credits in captions, and image file names that leak into text.

Outlets write the credit inside the caption: "Thủ tướng phát biểu. Ảnh: VGP",
"(Foto: Yonhap/VNA)", "Photo by Reuters". kabar stores caption and credit in
separate fields so that the credit is never translated and always shown, so
``split_credit`` takes the credit off the caption. It is deliberately
conservative: a caption that merely *mentions* a news agency keeps its text.
"""

from __future__ import annotations

import re
import unicodedata

# Labels that introduce a credit, per language. Longer labels first inside each
# group is not needed: the alternation below is sorted by length.
CREDIT_LABELS: dict[str, tuple[str, ...]] = {
    "vi": (
        "Ảnh",
        "Ảnh minh họa",
        "Ảnh minh hoạ",
        "Ảnh tư liệu",
        "Ảnh chụp màn hình",
        "Đồ họa",
        "Đồ hoạ",
        "Nguồn",
        "Nguồn ảnh",
        "Video",
    ),
    "id": ("Foto", "Foto ilustrasi", "Sumber", "Sumber foto", "Grafis", "Dok", "Dokumentasi"),
    "en": ("Photo", "Photos", "Photograph", "Image", "Images", "Picture", "Source", "Credit", "Photo credit"),
}

# "Photo by X" style labels, which take no colon.
CREDIT_BY_LABELS: dict[str, tuple[str, ...]] = {
    "vi": ("Ảnh của",),
    "id": ("Foto oleh",),
    "en": ("Photo by", "Photos by", "Image by", "Photo courtesy of", "Courtesy of"),
}

# Agencies whose bare name in trailing parentheses is a credit, e.g. "... Hà Nội. (TTXVN)".
# Only exact names (or several joined by "/") count, so "(sejak 1950)" stays text.
KNOWN_AGENCIES: tuple[str, ...] = (
    "VNA",
    "TTXVN",
    "VNA/Vietnam+",
    "Vietnam+",
    "VGP",
    "AFP",
    "AP",
    "Reuters",
    "Antara",
    "ANTARA",
    "Xinhua",
    "TASS",
    "Yonhap",
    "Kyodo",
    "EPA",
    "EPA-EFE",
    "Getty Images",
    "Bernama",
    "KCNA",
    "Sputnik",
    "Bloomberg",
    "Shutterstock",
)

IMAGE_EXTENSIONS: tuple[str, ...] = (
    "jpg",
    "jpeg",
    "jfif",
    "png",
    "gif",
    "webp",
    "avif",
    "bmp",
    "tif",
    "tiff",
    "svg",
    "heic",
    "heif",
)

MAX_CREDIT_CHARS = 100  # a longer "credit" is a sentence that happens to start with "Source:"


def _alternation(words: list[str]) -> str:
    # Longest first so that "Ảnh minh họa" wins over "Ảnh".
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_COLON_LABEL = _alternation([w for group in CREDIT_LABELS.values() for w in group])
_BY_LABEL = _alternation([w for group in CREDIT_BY_LABELS.values() for w in group])
_LABEL = rf"(?:(?:{_COLON_LABEL})\s*:|(?:{_BY_LABEL})\b)"
_AGENCY = _alternation(list(KNOWN_AGENCIES))

# "(Foto: Yonhap/VNA)" or "(Photo by X)" at the end.
_TRAILING_PARENTHESISED = re.compile(
    rf"\s*[\(\[]\s*{_LABEL}\s*(?P<credit>[^()\[\]]+?)\s*[\)\]]\s*\.?\s*$", re.I
)
# "... phát biểu. Ảnh: VGP" / "... - Ảnh: X" / "— Ảnh: X" at the end (or as the whole text).
_TRAILING_PLAIN = re.compile(
    rf"(?:^|(?<=[.!?…,;\"”’)])\s+|\s+[-–—|/]\s*|^\s*[-–—|]\s*)\s*{_LABEL}\s*(?P<credit>[^:()\[\]]+?)\s*\.?\s*$",
    re.I,
)
# "(Ảnh: TTXVN) Caption..." or "Ảnh: TTXVN - Caption" at the start.
_LEADING_PARENTHESISED = re.compile(
    rf"^\s*[\(\[]\s*{_LABEL}\s*(?P<credit>[^()\[\]]+?)\s*[\)\]]\s*[-–—:|]?\s*", re.I
)
_LEADING_DASHED = re.compile(rf"^\s*[-–—]?\s*{_LABEL}\s*(?P<credit>[^:()\[\]]+?)\s+[-–—|]\s+", re.I)
# "... Hà Nội. (TTXVN)" — a bare, known agency name.
_TRAILING_AGENCY = re.compile(rf"\s*\(\s*(?P<credit>(?:{_AGENCY})(?:\s*/\s*(?:{_AGENCY}))*)\s*\)\s*\.?\s*$")

_FILE_NAME = re.compile(
    rf"^[\w][\w\-.()%~+,' ]*\.(?:{'|'.join(IMAGE_EXTENSIONS)})$",
    re.I,
)
_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//[^/\s]+/|^/", re.I)


def _plausible_credit(credit: str) -> bool:
    return 0 < len(credit) <= MAX_CREDIT_CHARS and not credit.startswith(("http://", "https://"))


def split_credit(text: str, *, bare_agency: bool = True) -> tuple[str, str]:
    """Return ``(caption_without_credit, credit)``; credit is ``""`` when none is found.

    ``bare_agency=False`` accepts only labelled credits ("Ảnh: X", "Photo by X"),
    not a bare "(VNA)": a caller that uses the credit to *recognise* a caption
    line (plain-text captures) would otherwise take a body paragraph ending in
    "(TTXVN)" for one.

    >>> split_credit("Sekretaris Jenderal To Lam di Pyongyang. (Foto: Yonhap/VNA)")
    ('Sekretaris Jenderal To Lam di Pyongyang.', 'Yonhap/VNA')
    """
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return "", ""
    trailing = (_TRAILING_PARENTHESISED, _TRAILING_PLAIN) + ((_TRAILING_AGENCY,) if bare_agency else ())
    for pattern in trailing:
        match = pattern.search(text)
        if match and _plausible_credit(match["credit"].strip()):
            caption = text[: match.start()].rstrip(" -–—|")
            return caption.strip(), match["credit"].strip()
    for pattern in (_LEADING_PARENTHESISED, _LEADING_DASHED):
        match = pattern.match(text)
        if match and _plausible_credit(match["credit"].strip()):
            return text[match.end() :].strip(), match["credit"].strip()
    return text, ""


def is_file_name(text: str) -> bool:
    """True for a bare image file name or image URL ("img-8949-8066.jpg", "DSC_0012.JPG").

    Captures and some CMSs print the file name where the image was; it must
    never become a caption or a paragraph.
    """
    candidate = text.strip()
    if not candidate or len(candidate) > 300 or "\n" in candidate:
        return False
    candidate = candidate.split("?", 1)[0].split("#", 1)[0]
    if _URL_PREFIX.match(candidate):
        candidate = candidate.rsplit("/", 1)[-1]
    elif "/" in candidate:
        return False
    return bool(_FILE_NAME.match(candidate))

"""Matching an outlet's section labels and URL paths to the sections editors mapped them to.

Pure functions (no Django): the ingest store and the admin fold labels the same way, so that
"KINH TẾ", "Kinh tế" and "kinh te" are one label, and a mapping written as a path
("/kinh-te/") covers every article whose address starts with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

_SPACE = re.compile(r"\s+")
# Letters that do not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"})


def fold_label(label: str) -> str:
    """``label`` without case, diacritics or extra spaces: the key two spellings of one label share.

    A path ("/Kinh-Te" or "kinh-te/" written with its slash) keeps its slashes and gets one at
    each end, so "/kinh-te" and "/kinh-te/" are one prefix.
    """
    text = unicodedata.normalize("NFKD", label.translate(_UNDECOMPOSED))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _SPACE.sub(" ", text).strip(" \t\n›»>|-–—:·•")
    if is_path(text):
        text = "/" + "/".join(part for part in text.split("/") if part) + "/"
        return "" if text == "//" else text
    return text


def is_path(label: str) -> bool:
    return label.strip().startswith("/")


def folded_path(url: str) -> str:
    """The path of ``url``, folded like a path label and ending in "/" (prefixes end in one too)."""
    path = unquote(urlsplit(url).path or "/")
    folded = fold_label("/" + path.lstrip("/"))
    return folded or "/"


def match_section(label: str, url: str, mappings: Mapping[str, int]) -> int | None:
    """The section an outlet's ``mappings`` (folded key -> section id) give this label or address.

    The label wins over a path; among paths the longest prefix wins ("/the-thao/bong-da/" over
    "/the-thao/").
    """
    key = fold_label(label)
    if key and not is_path(key) and key in mappings:
        return mappings[key]
    path = folded_path(url) if url else ""
    prefixes = [k for k in mappings if is_path(k) and path.startswith(k)]
    if prefixes:
        return mappings[max(prefixes, key=len)]
    return None


def labels_matching(key: str, labels: Iterable[str]) -> list[str]:
    """The spellings among ``labels`` that fold to ``key`` (a label key, not a path)."""
    return [label for label in labels if fold_label(label) == key]

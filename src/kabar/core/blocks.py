"""The structured body-block format and its JSON Schema.

``ArticleText.blocks`` is a list of these. Text fields may carry a small set of
inline HTML tags (links and emphasis) so that markup survives translation as
placeholders; everything else is stripped by ``sanitize_inline``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import nh3

INLINE_TAGS = {"a", "em", "strong", "b", "i", "code", "sub", "sup", "br"}
INLINE_ATTRIBUTES = {"a": {"href", "title"}}

_text = {"type": "string"}
_nonempty = {"type": "string", "minLength": 1}

BLOCK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kabar article body",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["paragraph", "heading", "image", "quote", "list"]}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": "paragraph"}}},
                "then": {
                    "properties": {"type": True, "text": _nonempty, "id": _text},
                    "required": ["text"],
                    "additionalProperties": False,
                },
            },
            {
                "if": {"properties": {"type": {"const": "heading"}}},
                "then": {
                    "properties": {
                        "type": True,
                        "text": _nonempty,
                        "level": {"type": "integer", "minimum": 2, "maximum": 4},
                        "id": _text,
                    },
                    "required": ["text"],
                    "additionalProperties": False,
                },
            },
            {
                "if": {"properties": {"type": {"const": "quote"}}},
                "then": {
                    "properties": {"type": True, "text": _nonempty, "cite": _text, "id": _text},
                    "required": ["text"],
                    "additionalProperties": False,
                },
            },
            {
                "if": {"properties": {"type": {"const": "list"}}},
                "then": {
                    "properties": {
                        "type": True,
                        "ordered": {"type": "boolean"},
                        "items": {"type": "array", "items": _nonempty, "minItems": 1},
                        "id": _text,
                    },
                    "required": ["items"],
                    "additionalProperties": False,
                },
            },
            {
                "if": {"properties": {"type": {"const": "image"}}},
                "then": {
                    "properties": {
                        "type": True,
                        "src": _nonempty,
                        "caption": _text,
                        "credit": _text,
                        "alt": _text,
                        "width": {"type": "integer", "minimum": 1},
                        "height": {"type": "integer", "minimum": 1},
                        "media": {"type": "integer"},
                        "id": _text,
                    },
                    "required": ["src"],
                    "additionalProperties": False,
                },
            },
        ],
    },
}

_validator = jsonschema.Draft202012Validator(BLOCK_SCHEMA)

# BLOCK_SCHEMA as plain Python, for the quick check: per type, its fields' kinds and the required one.
_STRING, _NONEMPTY, _LEVEL, _POSITIVE, _INTEGER, _BOOLEAN, _ITEMS = range(7)
_FIELDS: dict[str, tuple[dict[str, int], str]] = {
    "paragraph": ({"type": _STRING, "text": _NONEMPTY, "id": _STRING}, "text"),
    "heading": ({"type": _STRING, "text": _NONEMPTY, "level": _LEVEL, "id": _STRING}, "text"),
    "quote": ({"type": _STRING, "text": _NONEMPTY, "cite": _STRING, "id": _STRING}, "text"),
    "list": ({"type": _STRING, "ordered": _BOOLEAN, "items": _ITEMS, "id": _STRING}, "items"),
    "image": (
        {
            "type": _STRING,
            "src": _NONEMPTY,
            "caption": _STRING,
            "credit": _STRING,
            "alt": _STRING,
            "width": _POSITIVE,
            "height": _POSITIVE,
            "media": _INTEGER,
            "id": _STRING,
        },
        "src",
    ),
}


def _fits(kind: int, value: Any) -> bool:
    if kind in (_STRING, _NONEMPTY):
        return type(value) is str and (kind == _STRING or value != "")
    if kind == _BOOLEAN:
        return type(value) is bool
    if kind == _ITEMS:
        return type(value) is list and bool(value) and all(type(i) is str and i != "" for i in value)
    if type(value) is not int:  # bool is no integer to JSON Schema; 2.0 is one, and left to jsonschema
        return False
    if kind == _LEVEL:
        return 2 <= value <= 4
    return kind == _INTEGER or value >= 1


def _plainly_valid(blocks: Any) -> bool:
    """True only for blocks that certainly match BLOCK_SCHEMA (anything else: ask jsonschema).

    A body is validated on every store; jsonschema's walk through the schema's ``if``/``then``
    per block cost ingestion ~10 ms an article, this check a small fraction of that.
    """
    if type(blocks) is not list:
        return False
    for block in blocks:
        if type(block) is not dict:
            return False
        kind = block.get("type")
        if type(kind) is not str or kind not in _FIELDS:
            return False
        fields, required = _FIELDS[kind]
        if required not in block:
            return False
        for name, value in block.items():
            known = fields.get(name)
            if known is None or not _fits(known, value):
                return False
    return True


class BlockError(ValueError):
    """Blocks do not match the schema; the message names the block and field."""


def validate_blocks(blocks: Any) -> None:
    """Raise ``BlockError`` with a readable message for the first problem found."""
    if _plainly_valid(blocks):
        return
    errors = sorted(_validator.iter_errors(blocks), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = "body"
    path = list(err.absolute_path)
    if path:
        where = f"block {path[0]}" + "".join(f".{p}" for p in path[1:])
        if isinstance(blocks, list) and isinstance(path[0], int) and isinstance(blocks[path[0]], dict):
            where += f" ({blocks[path[0]].get('type', 'no type')})"
    raise BlockError(f"{where}: {err.message}")


# Both functions below are pure functions of their string, and the same strings come back often:
# a body is rendered at store time and again when each picture arrives, a paragraph's plain text is
# taken for its key and for the file-name check, and the pipeline's stages take the plain text of
# the same block strings ~70,000 times over the 181 scrapinghub pages (repeat and furniture checks,
# block keys, deduplication, the language sample). Each answer is one nh3 parse, so the recent ones
# are kept (strings up to MEMO_MAX_CHARS: a giant paragraph would only take room).
MEMO_MAX_CHARS = 4_000
MEMO_ENTRIES = 8_192


def _memoized(function: Callable[[str], str]) -> Callable[[str], str]:
    remembered = functools.lru_cache(maxsize=MEMO_ENTRIES)(function)

    @functools.wraps(function)
    def answer(text: str) -> str:
        return remembered(text) if len(text) <= MEMO_MAX_CHARS else function(text)

    answer.cache_info = remembered.cache_info  # type: ignore[attr-defined]  # for the tests
    return answer


@_memoized
def sanitize_inline(text: str) -> str:
    """Keep only inline markup kabar knows how to carry through translation."""
    return nh3.clean(text, tags=INLINE_TAGS, attributes=INLINE_ATTRIBUTES, link_rel="noopener")


_LINE_BREAK = re.compile(r"<br\s*/?>", re.I)


@_memoized
def strip_tags(text: str) -> str:
    """Plain text of an inline-HTML string; a line break is a space, so the words on either side stay apart."""
    return html.unescape(nh3.clean(_LINE_BREAK.sub(" ", text), tags=set()))


def block_text(block: dict[str, Any]) -> list[str]:
    """The plain-text pieces of a block (one for most, one per item for lists)."""
    kind = block["type"]
    if kind == "list":
        return [strip_tags(i) for i in block.get("items", [])]
    if kind == "image":
        return [t for t in (block.get("caption", ""),) if t]
    return [strip_tags(block.get("text", ""))]

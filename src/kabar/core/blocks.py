"""The structured body-block format and its JSON Schema.

``ArticleText.blocks`` is a list of these. Text fields may carry a small set of
inline HTML tags (links and emphasis) so that markup survives translation as
placeholders; everything else is stripped by ``sanitize_inline``.
"""

from __future__ import annotations

import html
import re
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


class BlockError(ValueError):
    """Blocks do not match the schema; the message names the block and field."""


def validate_blocks(blocks: Any) -> None:
    """Raise ``BlockError`` with a readable message for the first problem found."""
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


def sanitize_inline(text: str) -> str:
    """Keep only inline markup kabar knows how to carry through translation."""
    return nh3.clean(text, tags=INLINE_TAGS, attributes=INLINE_ATTRIBUTES, link_rel="noopener")


_LINE_BREAK = re.compile(r"<br\s*/?>", re.I)


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

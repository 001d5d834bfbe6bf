"""Placeholder tokens that carry inline markup (and glossary terms) through MT.

A block's text may hold sanitised inline HTML (links, emphasis, ``<br>``). The
engine must neither translate nor break it, and link URLs must never reach it,
so ``protect`` turns every tag into a token and ``restore`` puts the original
markup back around whatever the engine made of the text in between.

Token form: ``<x1>…</x1>`` for a tag pair, ``<x2/>`` for a lone tag (``<br>``),
``<g1/>`` for a glossary term (see ``kabar.core.translate.glossary``). Why XML-like:

* only ASCII ``< > /``, a letter and digits: every SentencePiece vocabulary has
  them, so an OPUS-MT/NLLB model never sees ``<unk>`` (brackets such as ``⟦``
  are out of vocabulary there and come back as ``⁇``);
* MT training data (OPUS includes the KDE/GNOME/Ubuntu localisation corpora)
  and LLM pre-training are full of inline tags that must be copied verbatim
  around translated content, which is exactly the behaviour wanted here, and
  ``<x id>`` is the localisation industry's own placeholder element (XLIFF);
* a pair wraps its content, so the engine may move the content (and the tags
  with it) to where the target language's word order puts it.

Engines still damage tokens now and then, so ``restore`` reads them leniently
(``< x1 >``, ``&lt;x1&gt;``, full-width brackets, upper case) and reports tokens
that were lost, duplicated, reordered or mangled instead of emitting broken
HTML. Text that merely looks like a token in the source is itself protected,
so it can never be confused with a real one.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from kabar.core.errors import StageError

Role = Literal["open", "close", "self"]

# Lenient reading of engine output; ``canonical`` below writes the strict form.
_LT = r"(?:<|＜|&lt;|‹|〈)"
_GT = r"(?:>|＞|&gt;|›|〉)"
TOKEN_RE = re.compile(
    rf"{_LT}\s*(?P<close>/)?\s*(?P<kind>[xg])\s*(?P<num>\d{{1,4}})\s*(?P<self>/)?\s*{_GT}", re.IGNORECASE
)
# Pieces of a token left behind when an engine half-destroys one ("<x1", "x1>").
_REMNANT_RE = re.compile(rf"{_LT}\s*/?\s*[xg]\s*\d{{1,4}}\b|\b[xg]\d{{1,4}}\s*/?\s*{_GT}", re.IGNORECASE)
# Elements that never have a closing tag.
_VOID = frozenset({"br", "img", "hr", "wbr"})


class PlaceholderError(StageError):
    """Placeholders did not survive translation intact."""

    stage = "translate"


def canonical(placeholder_id: str, role: Role) -> str:
    """The strict spelling of one token, e.g. ``</x1>``."""
    if role == "open":
        return f"<{placeholder_id}>"
    if role == "close":
        return f"</{placeholder_id}>"
    return f"<{placeholder_id}/>"


@dataclass(frozen=True)
class Placeholder:
    """One token (or token pair) and what it stands for."""

    id: str  # "x1": kind letter and number
    open: str  # what ``<x1>`` / ``<x1/>`` is restored to
    close: str | None = None  # what ``</x1>`` is restored to; None for a lone token

    @property
    def paired(self) -> bool:
        return self.close is not None


@dataclass(frozen=True)
class RestoreMap:
    """The placeholders in one protected text, and how to turn it back."""

    placeholders: tuple[Placeholder, ...] = ()
    html: bool = False  # the text between tokens is plain and must be HTML-escaped again
    kind: str = "x"  # the token letter this map restores; see ``restore_best_effort``

    def __bool__(self) -> bool:
        return bool(self.placeholders)


@dataclass(frozen=True)
class Restored:
    """A best-effort restoration and what went wrong on the way."""

    text: str
    problems: tuple[str, ...] = ()


def token_id(match: re.Match[str]) -> str:
    return f"{match['kind'].lower()}{int(match['num'])}"


def token_role(match: re.Match[str]) -> Role:
    if match["close"]:
        return "close"
    return "self" if match["self"] else "open"


def tokens_in(text: str) -> list[str]:
    """Every token in ``text``, in order, in canonical spelling."""
    return [canonical(token_id(m), token_role(m)) for m in TOKEN_RE.finditer(text)]


def strip_tokens(text: str) -> str:
    """``text`` without any token (for checks that look at words only)."""
    return " ".join(TOKEN_RE.sub(" ", text).split())


# --- protect --------------------------------------------------------------------------------------


class _InlineParser(HTMLParser):
    """Collects text and tags of an inline-HTML string as a flat event list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, str]] = []  # (kind, tag name, raw markup or text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        self.events.append(("void" if tag in _VOID else "start", tag, raw))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("void", tag, self.get_starttag_text() or f"<{tag}/>"))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag, f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", "", data))

    def handle_comment(self, data: str) -> None:
        self.events.append(("void", "", f"<!--{data}-->"))


def _pair_up(events: list[tuple[str, str, str]]) -> dict[int, int]:
    """Map each paired start event's index to its end event's index (stack matching)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, (kind, tag, _) in enumerate(events):
        if kind == "start":
            stack.append(i)
        elif kind == "end":
            for depth in range(len(stack) - 1, -1, -1):
                if events[stack[depth]][1] == tag:
                    pairs[stack[depth]] = i
                    # Tags opened inside and never closed stay lone tokens.
                    del stack[depth:]
                    break
    return pairs


def protect(text: str) -> tuple[str, RestoreMap]:
    """Replace the inline markup of ``text`` by tokens; entities become plain characters.

    Returns the plain text with tokens (what the engine sees) and the map that
    ``restore`` needs. Attribute values such as ``href`` stay in the map only.
    """
    parser = _InlineParser()
    parser.feed(text)
    parser.close()
    events = parser.events
    pairs = _pair_up(events)
    closing = {end: start for start, end in pairs.items()}
    ids: dict[int, str] = {}
    placeholders: list[Placeholder] = []
    out: list[str] = []

    def new_id() -> str:
        return f"x{len(placeholders) + 1}"

    for i, (kind, _tag, raw) in enumerate(events):
        if kind == "data":
            pos = 0
            for m in _lookalikes(raw):
                out.append(raw[pos : m.start()])
                pid = new_id()
                placeholders.append(Placeholder(pid, html.escape(m.group(), quote=False)))
                out.append(canonical(pid, "self"))
                pos = m.end()
            out.append(raw[pos:])
        elif kind == "start" and i in pairs:
            pid = ids[i] = new_id()
            placeholders.append(Placeholder(pid, raw, events[pairs[i]][2]))
            out.append(canonical(pid, "open"))
        elif kind == "end" and i in closing:
            out.append(canonical(ids[closing[i]], "close"))
        else:  # void elements, comments, unmatched start or end tags
            pid = new_id()
            placeholders.append(Placeholder(pid, raw))
            out.append(canonical(pid, "self"))
    return "".join(out), RestoreMap(tuple(placeholders), html=True)


def _lookalikes(text: str) -> list[re.Match[str]]:
    """Spans of source text that an engine's output could mistake for a token."""
    found = list(TOKEN_RE.finditer(text)) + list(_REMNANT_RE.finditer(text))
    found.sort(key=lambda m: (m.start(), -m.end()))
    kept: list[re.Match[str]] = []
    for m in found:
        if not kept or m.start() >= kept[-1].end():
            kept.append(m)
    return kept


# --- restore --------------------------------------------------------------------------------------


def restore(translated: str, restore_map: RestoreMap) -> str:
    """Put the markup back; raise ``PlaceholderError`` if any token was damaged."""
    result = restore_best_effort(translated, restore_map)
    if result.problems:
        raise PlaceholderError("; ".join(result.problems))
    return result.text


def restore_best_effort(translated: str, restore_map: RestoreMap) -> Restored:
    """Put back what survived; drop damaged tokens (keeping their text) and list the problems.

    Tokens of another kind than ``restore_map.kind`` belong to a later restore
    and pass through in canonical spelling, unless this map produces HTML (the
    last restore), where any leftover token is unknown and dropped.
    """
    by_id = {p.id: p for p in restore_map.placeholders}
    problems: list[str] = []
    matches = list(TOKEN_RE.finditer(translated))
    keep: dict[int, Role] = {}  # match index -> role, for the tokens that get substituted
    passing: set[int] = set()  # tokens for a later restore
    seen: dict[tuple[str, Role], int] = {}
    for n, m in enumerate(matches):
        pid, role = token_id(m), token_role(m)
        if not restore_map.html and not pid.startswith(restore_map.kind):
            passing.add(n)
            continue
        placeholder = by_id.get(pid)
        if placeholder is None:
            problems.append(f"unknown placeholder {m.group()!r}")
            continue
        if not placeholder.paired:
            if role == "close":
                problems.append(f"placeholder {canonical(pid, 'self')} mangled into {m.group()!r}")
                continue
            role = "self"
        elif role == "self":
            problems.append(f"placeholder {canonical(pid, 'open')} mangled into {m.group()!r}")
            continue
        if (pid, role) in seen:
            problems.append(f"placeholder {canonical(pid, role)} duplicated")
            continue
        seen[(pid, role)] = n
        keep[n] = role
    _check_pairs(restore_map, seen, keep, problems)
    _check_nesting(matches, keep, problems)
    text = _render(translated, matches, keep, passing, by_id, restore_map.html, problems)
    return Restored(text, tuple(problems))


def _check_pairs(
    restore_map: RestoreMap, seen: dict[tuple[str, Role], int], keep: dict[int, Role], problems: list[str]
) -> None:
    for p in restore_map.placeholders:
        if not p.paired:
            if (p.id, "self") not in seen:
                problems.append(f"placeholder {canonical(p.id, 'self')} lost")
            continue
        start, end = seen.get((p.id, "open")), seen.get((p.id, "close"))
        if start is None or end is None:
            halves: tuple[tuple[Role, int | None], ...] = (("open", start), ("close", end))
            missing = [canonical(p.id, role) for role, at in halves if at is None]
            problems.append(f"placeholder {' and '.join(missing)} lost")
        elif start > end:
            problems.append(f"placeholder {canonical(p.id, 'open')}…{canonical(p.id, 'close')} reordered")
        else:
            continue
        # Half a pair (or a pair closed before it opens) would leave broken HTML: drop it.
        for at in (start, end):
            if at is not None:
                keep.pop(at, None)


def _check_nesting(matches: list[re.Match[str]], keep: dict[int, Role], problems: list[str]) -> None:
    """Drop pairs that cross another pair (``<x1><x2></x1></x2>``): they would not be valid HTML."""
    stack: list[tuple[str, int]] = []
    opened: dict[str, int] = {}
    for n in sorted(keep):
        if n not in keep:  # dropped above as the partner of a crossing token
            continue
        role = keep[n]
        pid = token_id(matches[n])
        if role == "open":
            stack.append((pid, n))
            opened[pid] = n
        elif role == "close" and pid in opened:
            while stack and stack[-1][0] != pid:
                inner, at = stack.pop()
                problems.append(f"placeholder {canonical(inner, 'open')} crosses {canonical(pid, 'open')}")
                keep.pop(at, None)
                for later in sorted(keep):
                    if later > at and keep[later] == "close" and token_id(matches[later]) == inner:
                        keep.pop(later)
                        break
            if stack:
                stack.pop()


def _render(
    text: str,
    matches: list[re.Match[str]],
    keep: dict[int, Role],
    passing: set[int],
    by_id: dict[str, Placeholder],
    as_html: bool,
    problems: list[str],
) -> str:
    parts: list[tuple[str, Role | None]] = []  # (markup or plain text, role of token or None)
    pos = 0
    for n, m in enumerate(matches):
        parts.append((text[pos : m.start()], None))
        if n in keep:
            placeholder, kept_role = by_id[token_id(m)], keep[n]
            markup = placeholder.close if kept_role == "close" else placeholder.open
            parts.append((markup or "", kept_role))
        elif n in passing:
            parts.append((canonical(token_id(m), token_role(m)), "self"))
        pos = m.end()
    parts.append((text[pos:], None))
    _move_spaces_outside_tags(parts)
    out: list[str] = []
    for piece, role in parts:
        if role is not None:
            out.append(piece)
            continue
        for remnant in _REMNANT_RE.findall(piece):
            problems.append(f"mangled placeholder text {remnant!r}")
        piece = _REMNANT_RE.sub("", piece)
        out.append(html.escape(piece, quote=False) if as_html else piece)
    return re.sub(r"[ \t]{2,}", " ", "".join(out))


def _move_spaces_outside_tags(parts: list[tuple[str, Role | None]]) -> None:
    """Engines often write ``<x1> Hà Nội </x1>``; keep the spaces outside the element."""
    for i, (_, role) in enumerate(parts):
        if role == "open" and i + 1 < len(parts) and parts[i + 1][1] is None:
            after = parts[i + 1][0]
            if after[:1].isspace():
                parts[i + 1] = (after.lstrip(), None)
                before = parts[i - 1][0] if i > 0 and parts[i - 1][1] is None else ""
                if i > 0 and parts[i - 1][1] is None and before and not before[-1:].isspace():
                    parts[i - 1] = (before + " ", None)
        elif role == "close" and i > 0 and parts[i - 1][1] is None:
            before = parts[i - 1][0]
            if before[-1:].isspace():
                parts[i - 1] = (before.rstrip(), None)
                if i + 1 < len(parts) and parts[i + 1][1] is None:
                    after = parts[i + 1][0]
                    if after and not after[:1].isspace() and after[:1].isalnum():
                        parts[i + 1] = (" " + after, None)


def token_problems(sent: str, received: str) -> list[str]:
    """Compare the tokens an engine was sent with those it returned.

    Every token of ``sent`` must appear exactly once in ``received`` and no
    other token may appear; the messages are the ones ``restore`` gives.
    """
    counts = Counter(tokens_in(sent))
    placeholders: list[Placeholder] = []
    for token in dict.fromkeys(tokens_in(sent)):
        m = TOKEN_RE.fullmatch(token)
        if m is None or token_role(m) == "close":
            continue
        pid = token_id(m)
        paired = token_role(m) == "open" and counts[canonical(pid, "close")] > 0
        placeholders.append(Placeholder(pid, token, canonical(pid, "close") if paired else None))
    return list(restore_best_effort(received, RestoreMap(tuple(placeholders), html=True)).problems)

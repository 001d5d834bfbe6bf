"""What a reader typed, turned into words a search backend can use safely.

Reader text is never handed to FTS5's or PostgreSQL's query language as typed: a stray
quote, ``*``, ``NEAR``, ``-`` or parenthesis would be an error there (or an operator the
reader never meant). ``parse_query`` keeps only what kabar understands itself:

* words (letters and digits, as FTS5's ``unicode61`` tokenizer splits them): all must match;
* ``"quoted words"``: a phrase, the words next to each other;
* ``word*``: words starting with ``word``;
* ``-word``: articles with that word are left out.

Everything else (parentheses, ``NEAR``, ``AND``/``OR`` written in capitals, punctuation,
emoji, NUL bytes) is either a separator or an ordinary word. Every word is folded with
``fold_d`` (đ/Đ → d/D), which neither FTS5 nor PostgreSQL's ``unaccent`` does on its own
for FTS5; backends fold indexed text the same way. Long input is cut (``MAX_QUERY_CHARS``,
``MAX_WORDS``, ``MAX_WORD_CHARS``) and the cut is reported in ``notices``, never an error.

``fts5_match`` and ``tsquery`` write the parsed query in each backend's syntax, quoting
every word, so no reader text reaches either parser unquoted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 300  # a search box query, not a document; longer input is cut here
MAX_WORDS = 12  # words looked for (terms, phrase words and exclusions together)
MAX_WORD_CHARS = 64  # longer "words" are cut (no language has longer ones)

# Notices: why the query searched is not exactly what was typed. The shell words them.
TRUNCATED = "truncated"  # cut to MAX_QUERY_CHARS
TOO_MANY_WORDS = "too-many-words"  # words past MAX_WORDS were left out
NOTHING_TO_SEARCH = "nothing-to-search"  # no letter or digit at all
ONLY_EXCLUSIONS = "only-exclusions"  # only -words: nothing to look for

# Letters and digits: the characters FTS5's unicode61 keeps in tokens (categories L*, N*).
_WORD = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHRASE = re.compile(r'"([^"]*)"')


def fold_d(text: str) -> str:
    """đ/Đ → d/D: the one Vietnamese letter ``remove_diacritics`` does not fold (it is not a diacritic)."""
    return text.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d: how a reader who types without accents writes ``text``."""
    decomposed = unicodedata.normalize("NFKD", fold_d(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The words of ``text`` as the search index splits them (NFC first, so Vietnamese stays whole)."""
    return _WORD.findall(unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class Term:
    word: str  # folded with fold_d; case and other diacritics are the backend's to fold
    prefix: bool = False  # `word*`: any word starting with it


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = ()  # every one must match
    phrases: tuple[tuple[str, ...], ...] = ()  # each must match, its words in order (two or more)
    excluded: tuple[str, ...] = ()  # texts with any of these words are left out
    notices: tuple[str, ...] = ()  # TRUNCATED, TOO_MANY_WORDS, NOTHING_TO_SEARCH, ONLY_EXCLUSIONS

    @property
    def searchable(self) -> bool:
        """True when there is something to look for (exclusions alone are not a search)."""
        return bool(self.terms or self.phrases)

    @property
    def positive_words(self) -> list[str]:
        """Every word looked for, phrases included, in order (for highlighting and typo fallback)."""
        return [t.word for t in self.terms] + [w for phrase in self.phrases for w in phrase]


class _Budget:
    """Counts words against MAX_WORDS while the query is read."""

    def __init__(self) -> None:
        self.used = 0
        self.exhausted = False

    def take(self, found: list[str]) -> list[str]:
        room = MAX_WORDS - self.used
        if len(found) > room:
            self.exhausted = True
            found = found[: max(room, 0)]
        self.used += len(found)
        return found


def _clean_words(text: str) -> list[str]:
    return [fold_d(w)[:MAX_WORD_CHARS] for w in words(text)]


def parse_query(text: str) -> ParsedQuery:
    """Terms, phrases and exclusions of what a reader typed; never raises, whatever ``text`` is."""
    notices: list[str] = []
    text = _CONTROL.sub(" ", text)
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(TRUNCATED)
    budget = _Budget()
    phrases: list[tuple[str, ...]] = []
    terms: list[Term] = []
    excluded: list[str] = []

    def add_terms(found: list[str], prefix_last: bool = False) -> None:
        for i, word in enumerate(found):
            term = Term(word, prefix=prefix_last and i == len(found) - 1)
            if term not in terms:
                terms.append(term)

    # Quoted phrases first; a quote left open is only a separator.
    rest: list[str] = []
    position = 0
    for match in _PHRASE.finditer(text):
        rest.append(text[position : match.start()])
        position = match.end()
        found = budget.take(_clean_words(match.group(1)))
        if len(found) > 1:
            if tuple(found) not in phrases:
                phrases.append(tuple(found))
        else:
            add_terms(found)
    rest.append(text[position:])
    for chunk in " ".join(rest).replace('"', " ").split():
        if chunk.startswith("-"):
            for word in budget.take(_clean_words(chunk)):
                if word not in excluded:
                    excluded.append(word)
            continue
        add_terms(budget.take(_clean_words(chunk)), prefix_last=chunk.endswith("*"))
    if budget.exhausted:
        notices.append(TOO_MANY_WORDS)
    parsed = ParsedQuery(tuple(terms), tuple(phrases), tuple(excluded))
    if not parsed.searchable:
        excluded = []
        notices.append(ONLY_EXCLUSIONS if parsed.excluded else NOTHING_TO_SEARCH)
    return ParsedQuery(tuple(terms), tuple(phrases), tuple(excluded), tuple(notices))


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_match(query: ParsedQuery) -> str:
    """The query in FTS5 MATCH syntax: every word a quoted string, so nothing typed is an operator."""
    if not query.searchable:
        raise ValueError("nothing to search for")
    parts = [_fts5_string(t.word) + (" *" if t.prefix else "") for t in query.terms]
    parts += [_fts5_string(" ".join(phrase)) for phrase in query.phrases]
    match = "(" + " ".join(parts) + ")"
    for word in query.excluded:
        match += " NOT " + _fts5_string(word)
    return match


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query: ParsedQuery) -> str:
    """The query in PostgreSQL ``to_tsquery`` syntax: every word a quoted lexeme."""
    if not query.searchable:
        raise ValueError("nothing to search for")
    parts = [_lexeme(t.word) + (":*" if t.prefix else "") for t in query.terms]
    parts += ["(" + " <-> ".join(_lexeme(w) for w in phrase) + ")" for phrase in query.phrases]
    parts += ["!" + _lexeme(w) for w in query.excluded]
    return " & ".join(parts)

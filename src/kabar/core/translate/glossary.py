"""Terms that must come out of MT in one fixed form.

Three sources of terms, most specific last (later ones win):

* ``do_not_translate``: kept as written in every language (outlet names such as
  "Báo Nhân dân", programme names);
* ``romanized``: names written with diacritics in their own language
  (``romanized_from``, Vietnamese by default) and without them everywhere else,
  e.g. "Tô Lâm" -> "To Lam". Either spelling found in a source text becomes the
  native one in a Vietnamese target and the romanised one in any other;
* ``entries``: per language pair, source term -> target term.

For engines that do not honour a glossary, ``protect`` swaps each term for a
``<gN/>`` placeholder before MT and the caller restores the target form after;
for engines that do, ``terms_in`` gives the mapping to pass them. Either way,
``verify`` checks the output afterwards.

Matching is case-sensitive on NFC text, longest term first, and a term must
not run into a neighbouring letter or digit (Unicode-aware: ``Lâm`` does not
match inside ``Lâmx``). Placeholder tokens already in the text are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from kabar.core.text.placeholders import TOKEN_RE, Placeholder, Restored, RestoreMap, restore_best_effort


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class Glossary:
    """Fixed target forms of terms, per language pair."""

    def __init__(
        self,
        entries: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
        do_not_translate: Iterable[str] = (),
        romanized: Mapping[str, str] | None = None,
        romanized_from: str = "vi",
    ) -> None:
        self.entries = {
            pair: {_nfc(s): _nfc(t) for s, t in terms.items() if s.strip() and t.strip()}
            for pair, terms in (entries or {}).items()
        }
        self.do_not_translate = frozenset(_nfc(t) for t in do_not_translate if t.strip())
        self.romanized = {_nfc(s): _nfc(t) for s, t in (romanized or {}).items() if s.strip() and t.strip()}
        self.romanized_from = romanized_from
        # Per-instance caches (the glossary is immutable after construction).
        self._terms: dict[tuple[str, str], dict[str, str]] = {}
        self._patterns: dict[tuple[str, str], re.Pattern[str] | None] = {}

    def __bool__(self) -> bool:
        return bool(self.entries or self.do_not_translate or self.romanized)

    def terms(self, source: str, target: str) -> dict[str, str]:
        """Every source term -> target form that applies from ``source`` to ``target``."""
        key = (source, target)
        if key not in self._terms:
            found = {term: term for term in self.do_not_translate}
            for native, roman in self.romanized.items():
                wanted = native if target == self.romanized_from else roman
                found[native] = wanted
                found[roman] = wanted
            found.update(self.entries.get(key, {}))
            self._terms[key] = found
        return self._terms[key]

    def _pattern(self, source: str, target: str) -> re.Pattern[str] | None:
        key = (source, target)
        if key not in self._patterns:
            terms = sorted(self.terms(source, target), key=len, reverse=True)
            alternatives = "|".join(re.escape(t) for t in terms)
            # (?<!\w)/(?!\w) rather than \b: a term may start or end with punctuation.
            self._patterns[key] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if terms else None
        return self._patterns[key]

    def find(self, text: str, source: str, target: str) -> list[str]:
        """Terms occurring in ``text`` (NFC, outside placeholder tokens), in order, with repeats."""
        pattern = self._pattern(source, target)
        if pattern is None:
            return []
        pieces = TOKEN_RE.sub("\n", _nfc(text)).split("\n")
        return [m.group() for piece in pieces for m in pattern.finditer(piece)]

    def terms_in(self, text: str, source: str, target: str) -> dict[str, str]:
        """The part of the glossary an engine needs for ``text`` (for ``honours_glossary`` engines)."""
        terms = self.terms(source, target)
        return {term: terms[term] for term in self.find(text, source, target)}

    def protect(self, text: str, source: str, target: str) -> tuple[str, RestoreMap]:
        """Replace each term occurrence by a ``<gN/>`` token restoring to its target form.

        The returned text is NFC-normalised. Existing tokens are left alone.
        """
        text = _nfc(text)
        pattern = self._pattern(source, target)
        if pattern is None:
            return text, RestoreMap()
        terms = self.terms(source, target)
        placeholders: list[Placeholder] = []

        def swap(m: re.Match[str]) -> str:
            pid = f"g{len(placeholders) + 1}"
            placeholders.append(Placeholder(pid, terms[m.group()]))
            return f"<{pid}/>"

        out: list[str] = []
        pos = 0
        for token in TOKEN_RE.finditer(text):
            out.append(pattern.sub(swap, text[pos : token.start()]))
            out.append(token.group())
            pos = token.end()
        out.append(pattern.sub(swap, text[pos:]))
        return "".join(out), RestoreMap(tuple(placeholders), kind="g")

    def restore(self, translated: str, mapping: RestoreMap) -> Restored:
        """Put target forms in place of ``<gN/>`` tokens (markup tokens are left for their own restore)."""
        return restore_best_effort(translated, mapping)

    def verify(self, source_text: str, translated_text: str, source: str, target: str) -> list[str]:
        """Problems: terms present in ``source_text`` whose target form is missing from the output."""
        terms = self.terms(source, target)
        output = _nfc(translated_text)
        folded = output.casefold()
        problems: list[str] = []
        for term in dict.fromkeys(self.find(source_text, source, target)):
            wanted = terms[term]
            # A sentence-initial capital or an all-caps heading is not a wrong term.
            if wanted not in output and wanted.casefold() not in folded:
                problems.append(f"glossary term {term!r} should appear as {wanted!r}")
        return problems

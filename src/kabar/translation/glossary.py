"""The glossary people keep (``GlossaryTerm`` rows) as a core ``Glossary``."""

from __future__ import annotations

from collections.abc import Iterable

from kabar.core.translate.glossary import Glossary
from kabar.translation.models import ANY_TARGET, GlossaryTerm


def build_glossary(pairs: Iterable[tuple[str, str]]) -> Glossary:
    """The glossary for these language pairs; a term for one target beats the same term for ``*``."""
    wanted = set(pairs)
    sources = {s for s, _ in wanted}
    entries: dict[tuple[str, str], dict[str, str]] = {pair: {} for pair in wanted}
    terms = GlossaryTerm.objects.filter(source_lang__in=sources).order_by("target_lang")
    # "*" sorts before letters: specific targets are applied after and win.
    for term in terms:
        for source, target in wanted:
            if term.source_lang == source and term.target_lang in (target, ANY_TARGET):
                entries[(source, target)][term.term] = term.target_form
    return Glossary({pair: terms for pair, terms in entries.items() if terms})

"""What the reader is told when the query searched is not exactly what they typed."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabar.core.discover import query as q


def notice_text(parsed: q.ParsedQuery) -> str:
    """One or two sentences for ``SearchResults.message``; empty when the query was used as typed."""
    sentences: list[str] = []
    for notice in parsed.notices:
        if notice == q.TRUNCATED:
            sentences.append(
                _("Only the first %(count)d characters of your search were used.")
                % {"count": q.MAX_QUERY_CHARS}
            )
        elif notice == q.TOO_MANY_WORDS:
            sentences.append(
                ngettext(
                    "Only the first %(count)d word of your search was used.",
                    "Only the first %(count)d words of your search were used.",
                    q.MAX_WORDS,
                )
                % {"count": q.MAX_WORDS}
            )
        elif notice == q.ONLY_EXCLUSIONS:
            sentences.append(
                _(
                    "Add a word to look for: a word with a minus sign in front is only left out of the results."
                )
            )
        elif notice == q.NOTHING_TO_SEARCH:
            sentences.append(_("Type a word to search for: letters or numbers."))
    return " ".join(sentences)


def similar_titles_text() -> str:
    return _("No article contains all of these words; these titles come close.")

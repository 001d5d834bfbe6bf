"""kabar.site.queries.section_text_count: the section page's count, read from the articles' side."""

from __future__ import annotations

import pytest
from factories import make_article, make_section, make_text

from kabar.news.models import ArticleText
from kabar.site.queries import list_texts, section_text_count


@pytest.mark.django_db
def test_the_count_is_the_section_lists_own_and_follows_a_publication_at_once():
    section, elsewhere = make_section(), make_section()
    for n in range(3):
        article = make_article(section=section)
        make_text(article, "vi")
        if n:
            make_text(article, "en")
    make_text(make_article(section=elsewhere), "vi")
    hidden = make_text(make_article(section=section), "vi")
    ArticleText.objects.filter(pk=hidden.pk).update(is_published=False)

    def both(language: str) -> tuple[int, int]:
        return list_texts(language).filter(article__section=section).count(), section_text_count(
            language, section
        )

    assert both("vi") == (3, 3) and both("en") == (2, 2) and both("id") == (0, 0)
    ArticleText.objects.filter(pk=hidden.pk).update(is_published=True)
    assert both("vi") == (4, 4)

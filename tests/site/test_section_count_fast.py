"""kabar.site.queries.articles_text_count: the list pages' counts, read from the articles' side."""

from __future__ import annotations

import pytest
from django.db.models import Q
from factories import make_article, make_author, make_section, make_text

from kabar.news.models import ArticleText
from kabar.site.queries import articles_text_count, list_texts


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
        listed = list_texts(language).filter(article__section=section).count()
        return listed, articles_text_count(language, Q(section=section))

    assert both("vi") == (3, 3) and both("en") == (2, 2) and both("id") == (0, 0)
    ArticleText.objects.filter(pk=hidden.pk).update(is_published=True)
    assert both("vi") == (4, 4)


@pytest.mark.django_db
def test_an_author_with_two_of_the_same_articles_authors_is_counted_once_per_text():
    one, two = make_author("Lan"), make_author("Minh")
    make_text(make_article(authors=[one, two]), "vi")
    make_text(make_article(authors=[one]), "vi")
    for author, expected in ((one, 2), (two, 1)):
        listed = list_texts("vi").filter(article__authors=author).count()
        assert listed == articles_text_count("vi", Q(authors=author)) == expected

"""kabar.site.prepared: SQL compiled once, run with each call's own values, and never stale rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.news.models import ArticleText
from kabar.site.prepared import PreparedQuery
from kabar.site.queries import article_text, related_rows

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)


def _texts(language: str, slug: str, excluding: list[int]) -> QuerySet[ArticleText]:
    return ArticleText.objects.filter(language=language, slug=slug).exclude(article_id__in=excluding)


@pytest.mark.django_db
def test_each_call_runs_with_its_own_values_and_sees_rows_written_since():
    query = PreparedQuery(_texts, ("slug", "title"))
    first = make_text(make_article(published_at=NOW), "vi", slug="mot", title="Một")
    assert query.rows("vi", "mot", [0]) == [{"slug": "mot", "title": "Một"}]
    assert query.rows("en", "mot", [0]) == []
    assert query.rows("vi", "mot", [first.article_id]) == []
    # The same shape reuses the SQL: a row written or changed after the first call is read at once.
    make_text(make_article(published_at=NOW), "vi", slug="hai", title="Hai")
    ArticleText.objects.filter(pk=first.pk).update(title="Một (sửa)")
    assert query.rows("vi", "hai", [0]) == [{"slug": "hai", "title": "Hai"}]
    assert query.rows("vi", "mot", [0, first.article_id + 1]) == [{"slug": "mot", "title": "Một (sửa)"}]
    assert len(query._compiled) == 2  # one per database and shape (lists of one and of two ids)


@pytest.mark.django_db
def test_a_value_that_does_not_reach_the_sql_as_itself_is_refused():
    query = PreparedQuery(lambda word: ArticleText.objects.filter(title__contains=word), ("pk",))
    with pytest.raises(ValueError, match="did not reach the SQL"):
        query.rows("tin")


@pytest.mark.django_db
def test_the_article_query_reads_a_correction_at_once_and_stays_one_query(client):
    outlet = make_outlet()
    section = make_section("the-thao")
    writer = make_author("Lan Phạm", outlet)
    main = make_article(outlet=outlet, section=section, authors=[writer], published_at=NOW)
    text = make_text(main, "vi", slug="bai", title="Bài")
    other = make_article(
        outlet=outlet, section=section, authors=[writer], published_at=NOW - dt.timedelta(hours=1)
    )
    make_text(other, "vi", slug="bai-khac", title="Bài khác")
    assert article_text("vi", "bai").title == "Bài"
    ArticleText.objects.filter(pk=text.pk).update(title="Bài (đã sửa)")
    with CaptureQueriesContext(connection) as queries:
        found = article_text("vi", "bai")
        assert found is not None
        assert found.title == "Bài (đã sửa)"
        # Everything select_related joined in is there without another query.
        assert found.article.outlet.name == outlet.name and found.article.section == section
        assert [a.name for a in found.article.authors.all()] == ["Lan Phạm"]
        assert not hasattr(found.article, "story_membership")  # joined in, and there is none
        in_section, _by_author = related_rows(found, 5)
    assert len(queries.captured_queries) == 2
    assert [r["title"] for r in in_section] == ["Bài khác"]
    assert article_text("vi", "khong-co") is None

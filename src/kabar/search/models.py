"""The search index's own copy of every published text.

One row per published ``ArticleText``, with the columns results are filtered on. It is a
derived store, rebuilt by ``kabar reindex``: no foreign keys, so an index can be filled from
``IndexDocument`` values alone (the benchmark does) and never blocks deleting an article.

On SQLite this table is the external content of the FTS5 table ``search_fts``, through the view
``search_fts_content`` that adds the filter (facet) tokens (triggers made by the migrations keep
the two in step, folding đ → d on the way in). On PostgreSQL ``vector``
holds the weighted tsvector (title A, lead B, body C) under a GIN index, and ``title_folded``
(lower case, no diacritics) has a trigram index for typo-tolerant titles. Both structures are
made by migration 0001 for the database it runs on only.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    text_id = models.PositiveBigIntegerField(unique=True)
    article_id = models.PositiveBigIntegerField(db_index=True)
    language = models.CharField(max_length=12)
    title = models.TextField()
    lead = models.TextField(blank=True)
    body = models.TextField(blank=True)
    published = models.DateTimeField()
    outlet = models.CharField(max_length=100)
    section = models.CharField(max_length=100, blank=True)
    original_language = models.CharField(max_length=12)
    # PostgreSQL only (left empty on SQLite).
    config = models.CharField(max_length=40, blank=True, help_text=_("Text search configuration used."))
    title_folded = models.TextField(blank=True)
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        indexes = [models.Index(fields=["language"]), models.Index(fields=["published"])]

    def __str__(self) -> str:
        return f"[{self.language}] {self.title}"

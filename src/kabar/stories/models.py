"""Which story each article is in, who decided it, and the signals the relate stage compared.

``Story`` itself lives in ``kabar.news`` (it is part of the content model); this app owns how
articles get there. Every article has at most one ``StoryMembership``: the single source of truth
for its story (translations are texts of the article, so they are in its story by construction).
"""

from __future__ import annotations

import numpy as np
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabar.news.models import Article, Story


class StoryMembership(models.Model):
    """An article's place in a story.

    ``assigned_by=editor`` is a person's decision and the online step never changes it. An editor
    membership without a story means the editor detached the article: it stays in no story.
    """

    class AssignedBy(models.TextChoices):
        AUTO = "auto", _("relate stage")
        EDITOR = "editor", _("editor")

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="story_membership", verbose_name=_("article")
    )
    # A deleted story leaves its articles unassigned (auto) or detached (editor), never deleted.
    story = models.ForeignKey(
        Story,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("story"),
    )
    score = models.FloatField(
        default=0.0, help_text=_("The evidence for joining (0..1)."), verbose_name=_("score")
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))
    assigned_by = models.CharField(
        max_length=8, choices=AssignedBy.choices, default=AssignedBy.AUTO, verbose_name=_("assigned by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("story membership")
        verbose_name_plural = _("story memberships")
        ordering = ["story_id", "article__published_at", "article__pk"]

    def __str__(self) -> str:
        where = f"story {self.story_id}" if self.story_id else "no story"
        return f"article {self.article_id} in {where} ({self.assigned_by})"

    @property
    def by_editor(self) -> bool:
        return self.assigned_by == self.AssignedBy.EDITOR


class ArticleSignals(models.Model):
    """What the relate stage compared for one article's original, kept so candidates cost no embedding.

    ``text_hash`` covers the embedded text and the embedder, so a changed original (or another
    model) is embedded again and an unchanged one never is.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="relate_signals"
    )
    embedder = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text=_("Unit-length float32 embedding of title + lead + opening."))
    entities = models.JSONField(default=list, blank=True, help_text=_("Normalised names and numbers."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article signals")
        verbose_name_plural = _("article signals")

    def __str__(self) -> str:
        return f"signals of article {self.article_id}"

    def embedding(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)

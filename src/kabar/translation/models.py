"""What translation keeps: the segment memory, the glossary, and each text's segments.

* ``TMEntry``: one remembered sentence translation. Machine entries are keyed by
  the route description (engines and model versions), so a model update starts
  afresh; human post-edits are *preferred* entries stored under an empty
  ``engine_version`` and win whatever engine asks.
* ``GlossaryTerm``: fixed target forms of terms, edited by people.
* ``SegmentRecord``: the sentences of one machine-made ``ArticleText``, source
  beside target with their QA issues: what the side-by-side editor shows.
* ``Matrix`` and ``PostEdit``: admin-only proxies that give the status matrix
  and the post-editing queue a place (and a link) on the admin index.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabar.news.models import Article, ArticleText

PREFERRED_VERSION = ""  # engine_version of human entries: they serve every engine
ANY_TARGET = "*"
PUBLISH_DESPITE_QA = "publish_despite_qa"  # codename of PostEdit's permission


def source_hash(normalized_text: str) -> str:
    """The indexed key of a sentence: text can be far longer than an index entry may be."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()


class TMEntry(models.Model):
    """One sentence's translation, from an engine or from a person (``preferred``)."""

    source_hash = models.CharField(max_length=64, editable=False, verbose_name=_("source hash"))
    source_text = models.TextField(
        help_text=_("The normalised source sentence (inline HTML)."), verbose_name=_("source text")
    )
    source_lang = models.CharField(max_length=12, verbose_name=_("source language"))
    target_lang = models.CharField(max_length=12, verbose_name=_("target language"))
    engine_version = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Route that made it (engines and model versions); empty for human post-edits."),
        verbose_name=_("engine version"),
    )
    target_text = models.TextField(verbose_name=_("target text"))
    preferred = models.BooleanField(
        default=False,
        help_text=_("A human post-edit: reused before any machine entry."),
        verbose_name=_("preferred"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))
    used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("used at"))
    use_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("use count"))

    class Meta:
        verbose_name = _("translation memory entry")
        verbose_name_plural = _("translation memory")
        ordering = ["-created_at"]
        constraints = [
            # The lookup key; its index serves ``source_hash IN (...)`` lookups. Human entries
            # share one slot per sentence and language pair through the empty engine_version.
            models.UniqueConstraint(
                fields=["source_hash", "source_lang", "target_lang", "engine_version"],
                name="tm_one_entry_per_key",
            ),
            models.CheckConstraint(
                condition=Q(preferred=True, engine_version=PREFERRED_VERSION)
                | (Q(preferred=False) & ~Q(engine_version=PREFERRED_VERSION)),
                name="tm_preferred_iff_no_engine",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.source_lang}→{self.target_lang}] {self.source_text[:60]}"

    def clean(self) -> None:
        super().clean()
        if not self.preferred and not self.engine_version.strip():
            raise ValidationError({"engine_version": "A machine entry needs the route that made it."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.source_hash = source_hash(self.source_text)
        if self.preferred:
            self.engine_version = PREFERRED_VERSION
        super().save(*args, **kwargs)


class GlossaryTerm(models.Model):
    """A term that must come out of MT in one fixed form."""

    source_lang = models.CharField(max_length=12, verbose_name=_("source language"))
    target_lang = models.CharField(
        max_length=12,
        default=ANY_TARGET,
        help_text=_('Target language, or "*" for every target.'),
        verbose_name=_("target language"),
    )
    term = models.CharField(
        max_length=200,
        help_text=_("As written in the source language (case-sensitive)."),
        verbose_name=_("term"),
    )
    translation = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Required form in the target; ignored for do-not-translate."),
        verbose_name=_("translation"),
    )
    do_not_translate = models.BooleanField(
        default=False,
        help_text=_("Keep the term exactly as written (outlet and programme names)."),
        verbose_name=_("do not translate"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")
        ordering = ["source_lang", "term", "target_lang"]
        constraints = [
            models.UniqueConstraint(fields=["source_lang", "target_lang", "term"], name="one_glossary_term"),
        ]

    def __str__(self) -> str:
        wanted = self.term if self.do_not_translate else self.translation
        return f"{self.term} ({self.source_lang}→{self.target_lang}): {wanted}"

    @property
    def target_form(self) -> str:
        return self.term if self.do_not_translate else self.translation

    def clean(self) -> None:
        super().clean()
        if not self.do_not_translate and not self.translation.strip():
            raise ValidationError({"translation": "Give a translation, or tick do-not-translate."})


class SegmentRecord(models.Model):
    """One sentence of a machine-made text: source, target, where it sits and what QA said."""

    class Field(models.TextChoices):
        TITLE = "title", _("title")
        LEAD = "lead", _("lead")
        BODY = "body", _("body")

    text = models.ForeignKey(ArticleText, on_delete=models.CASCADE, related_name="segments")
    position = models.PositiveIntegerField(help_text=_("Reading order within the text."))
    field = models.CharField(max_length=5, choices=Field.choices)
    block_index = models.PositiveIntegerField(default=0, help_text=_("Body block index (0 for title/lead)."))
    part = models.PositiveIntegerField(default=0, help_text=_("List item index; 0 otherwise."))
    sentence_index = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12)
    source_text = models.TextField()
    target_text = models.TextField()
    from_memory = models.BooleanField(default=False)
    issues = models.JSONField(default=list, blank=True)
    passed = models.BooleanField(default=True)
    edited = models.BooleanField(default=False, help_text=_("Changed by a person in the segment editor."))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["text", "position"]
        constraints = [models.UniqueConstraint(fields=["text", "position"], name="one_segment_per_position")]

    def __str__(self) -> str:
        return f"{self.text_id}#{self.position}: {self.source_text[:60]}"


class Matrix(Article):
    """Admin-only: the articles × languages translation status matrix."""

    class Meta:
        proxy = True
        verbose_name = _("translation status matrix")
        verbose_name_plural = _("translation status matrix")


class PostEdit(ArticleText):
    """Admin-only: machine translations in the post-editing queue and their segment editor."""

    class Meta:
        proxy = True
        verbose_name = _("post-edit")
        verbose_name_plural = _("post-editing queue")
        # Apart from change_postedit: publishing words QA flagged is a senior editor's call.
        permissions = [(PUBLISH_DESPITE_QA, "Can publish a post-edit that QA still flags")]

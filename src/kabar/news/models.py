"""The content model: outlets, their sources, articles and per-language texts.

``Article`` holds the facts that do not depend on language; every language
version, the original included, is an ``ArticleText``. Section names are kept
per language by people (``Section.names``) and are never machine-translated.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabar.core.blocks import BlockError, validate_blocks
from kabar.news import rendered
from kabar.news.private_access import PrivateAccessApproval

log = logging.getLogger("kabar.news")


def validate_block_list(value: Any) -> None:
    try:
        validate_blocks(value)
    except BlockError as exc:
        raise ValidationError(str(exc), code="blocks") from exc


class Outlet(models.Model):
    """A partner publication. ``name`` is kept exactly as the outlet writes it."""

    name = models.CharField(max_length=200, help_text="As the outlet writes it; never translated.")
    slug = models.SlugField(max_length=100, unique=True)
    home_url = models.URLField(max_length=500)
    language = models.CharField(max_length=12, help_text="The outlet's declared language (ISO 639-1).")
    logo = models.ImageField(upload_to="outlets/", blank=True)
    licence = models.TextField(blank=True, help_text="Licence or terms under which kabar republishes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Source(PrivateAccessApproval, models.Model):
    """How an outlet is pulled: a feed, a sitemap, single URLs, or files."""

    class Kind(models.TextChoices):
        FEED = "feed", "RSS/Atom feed"
        SITEMAP = "sitemap", "XML sitemap"
        URL = "url", "Single URL"
        FILE = "file", "Local HTML file or folder"
        WARC = "warc", "WARC/WET file"
        CAPTURE = "capture", "Plain-text capture"

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    url = models.CharField(max_length=1000, help_text="URL, or a path for file-based kinds.")
    schedule_minutes = models.PositiveIntegerField(
        default=30, help_text="Poll every N minutes; 0 = manual only."
    )
    enabled = models.BooleanField(default=True)
    allow_private = models.BooleanField(
        default=False,
        help_text="Allow fetching from loopback/private addresses (off except for local test outlets).",
    )
    # Who switched private access on, and when: a poll honours ``allow_private`` only while that
    # person is an active superuser and the source has not been re-pointed since.
    private_access_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    private_access_at = models.DateTimeField(null=True, blank=True)
    private_access_target = models.CharField(
        max_length=1100, blank=True, editable=False, help_text="The kind, outlet and URL that were approved."
    )
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.outlet} {self.kind}: {self.url}"

    # The rule for private access: kabar.news.private_access (an approval for exactly this
    # kind, outlet and URL, by a superuser or the operator).
    private_access_noun = "source"
    private_access_changed = "the source (or who approved it) changed since private access was approved"
    private_access_log = log

    def private_access_fingerprint(self, approver_id: int | None) -> str:
        """The target an approval of private access covers: kind, outlet, approver and URL, as text."""
        return f"{self.kind} outlet={self.outlet_id} by={self.approver_label(approver_id)} {self.url}"


# Section pages live at /<lang>/<slug>/, beside the site's own one-segment pages: a section with
# one of these slugs could never be reached (or would hide the page).
RESERVED_SECTION_SLUGS = frozenset({"search", "story", "author", "admin", "api", "static", "media", "feeds"})


# The built-in section ingestion files an article under when an editor has not yet mapped the
# outlet's own section label to one of kabar's (``SectionMapping``). Readers never see it as a
# section: no menu entry, no section page, sitemap entry or feed (``Section.objects.public()``).
UNSORTED_SECTION_SLUG = "unsorted"


class SectionQuerySet(models.QuerySet["Section"]):
    def public(self) -> SectionQuerySet:
        """The sections readers may see: every one but the built-in "unsorted"."""
        return self.exclude(slug=UNSORTED_SECTION_SLUG)

    def unsorted(self) -> Section:
        """The built-in "unsorted" section (created by migration 0009; again here if it was deleted)."""
        section, _ = self.get_or_create(
            slug=UNSORTED_SECTION_SLUG,
            defaults={
                "names": {"en": "Unsorted", "vi": "Chưa phân loại", "id": "Belum dipilah"},
                "position": 32767,
            },
        )
        return section


class Section(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    names = models.JSONField(
        default=dict, help_text='Names per language, kept by people: {"vi": "Thời sự", "en": "News"}.'
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]

    @property
    def is_unsorted(self) -> bool:
        return self.slug == UNSORTED_SECTION_SLUG

    def __str__(self) -> str:
        return self.name_for(settings.LANGUAGE_CODE)

    def name_for(self, language: str) -> str:
        """The people-kept name in ``language``; falls back to the default language, then the slug."""
        names: dict[str, str] = self.names or {}
        return names.get(language) or names.get(settings.LANGUAGE_CODE) or self.slug

    def clean(self) -> None:
        super().clean()
        if self.slug in RESERVED_SECTION_SLUGS:
            raise ValidationError(
                {
                    "slug": f"“{self.slug}” is taken by a page of the site; choose another slug (e.g. “{self.slug}-news”)."
                }
            )

    def get_absolute_url(self) -> str:
        return reverse("site:section", kwargs={"section": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.SET_NULL, related_name="authors"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:author", kwargs={"slug": self.slug})


class Story(models.Model):
    """A group of articles about the same event, across outlets and languages.

    The relate stage fills stories (``kabar.stories``: one membership per article, with its
    score, reason and whether an editor decided it). ``labels`` are kept by people, per language,
    like ``Section.names``; without one a page names the story by its first article's title.
    A *pinned* story is kept as the editor left it: the online step may add articles to it, but
    never moves a member out of it or deletes it.
    """

    labels = models.JSONField(
        default=dict,
        blank=True,
        help_text='Names per language, kept by people: {"vi": "Bão Yagi", "en": "Typhoon Yagi"}.',
    )
    first_seen = models.DateTimeField(
        null=True, blank=True, help_text="Publication time of its first article."
    )
    last_seen = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Publication time of its latest article."
    )
    pinned = models.BooleanField(
        default=False,
        help_text="Kept as is: new articles may join it, none is moved out or deleted automatically.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-last_seen", "-pk"]

    def __str__(self) -> str:
        return self.label_for(settings.LANGUAGE_CODE) or f"Story {self.pk}"

    def label_for(self, language: str) -> str:
        """The people-kept label in ``language``, else in the default language; "" when none was written."""
        labels: dict[str, str] = self.labels or {}
        return labels.get(language) or labels.get(settings.LANGUAGE_CODE) or ""

    def get_absolute_url(self) -> str:
        return reverse("site:story", kwargs={"pk": self.pk})


class Article(models.Model):
    """Language-independent facts about one republished article."""

    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="articles")
    source_url = models.URLField(max_length=1000, unique=True, help_text="Canonical URL at the outlet.")
    source_language = models.CharField(max_length=12)
    authors = models.ManyToManyField(Author, blank=True, related_name="articles")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    section_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="The outlet's own section label, as read from the page (mapped by SectionMapping).",
    )
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    fetched_url = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Where the stored copy was read (may differ from the canonical URL).",
    )
    # The article's story is its ``kabar.stories.StoryMembership`` (``article.story_membership``).
    minhash = models.BinaryField(
        blank=True, default=b"", editable=False, help_text="MinHash signature of the original text."
    )
    flags = models.JSONField(
        default=list, blank=True, help_text="Operator warnings, e.g. a language mismatch."
    )
    # A republication: this outlet's copy of another outlet's article (its "Nguồn:/Sumber:" line,
    # a canonical link on the other outlet's site, or JSON-LD isBasedOn said so). Who republished,
    # when and in which language are this article's own outlet, published_at and source_language.
    republished_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="republications",
        help_text="The original article, when kabar has it.",
    )
    original_url = models.URLField(
        max_length=1000, blank=True, help_text="The original article's address, for a republication."
    )
    original_outlet = models.CharField(
        max_length=200, blank=True, help_text="The original outlet's name as the republishing page writes it."
    )
    provenance = models.CharField(
        max_length=40,
        blank=True,
        help_text="How the page named its original (source line, canonical, isBasedOn).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        # Reader lists run newest first: section pages, their cursors and the related lists walk
        # these instead of sorting every article of a section (or of the site) on each request.
        indexes = [
            models.Index(fields=["section", "published_at", "id"], name="article_section_newest"),
            models.Index(fields=["published_at", "id"], name="article_newest"),
        ]

    def __str__(self) -> str:
        original = self.original
        return original.title if original else self.source_url

    @property
    def original(self) -> ArticleText | None:
        return next((t for t in self.texts.all() if t.status == ArticleText.Status.ORIGINAL), None)

    def text_for(self, language: str) -> ArticleText | None:
        return next((t for t in self.texts.all() if t.language == language), None)

    @property
    def public_section(self) -> Section | None:
        """The section readers see: none for an article still "unsorted"."""
        section = self.section
        return None if section is None or section.is_unsorted else section

    @property
    def is_republication(self) -> bool:
        return bool(self.original_url or self.republished_from_id)


class SectionMapping(models.Model):
    """An editor's rule: this outlet's section label (or URL path prefix) files under this section.

    Labels match with case and diacritics folded ("KINH TẾ" = "Kinh tế" = "kinh te"); a label that
    starts with "/" is a path prefix of the article's URL ("/kinh-te/"). Saving a mapping re-files
    the outlet's "unsorted" articles it covers (``kabar.news.section_map``).
    """

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="section_mappings")
    label = models.CharField(
        max_length=200,
        help_text='The outlet\'s section name ("Kinh tế"), or a path prefix of its URLs ("/kinh-te/").',
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="mappings")
    key = models.CharField(max_length=200, editable=False, help_text="The label folded for matching.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["outlet", "label"]
        constraints = [models.UniqueConstraint(fields=["outlet", "key"], name="one_mapping_per_outlet_label")]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.label} → {self.section}"

    def clean(self) -> None:
        from kabar.core.text.section_labels import fold_label

        super().clean()
        self.key = fold_label(self.label)
        if not self.key:
            raise ValidationError({"label": "Write the outlet's section name or a path such as /kinh-te/."})
        taken = SectionMapping.objects.filter(outlet_id=self.outlet_id, key=self.key).exclude(pk=self.pk)
        if self.outlet_id and taken.exists():
            raise ValidationError({"label": f"This outlet already maps “{self.label}” (folded: {self.key})."})
        if self.section_id and self.section.is_unsorted:
            raise ValidationError({"section": "Choose a section readers see, not “unsorted”."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        from kabar.core.text.section_labels import fold_label
        from kabar.news.section_map import refile_unsorted

        self.key = fold_label(self.label)
        super().save(*args, **kwargs)
        refile_unsorted(self)


RENDERED_SOURCES = {"lead", "blocks"}
RENDERED_FIELDS = ["rendered_body", "rendered_summary"]


class ArticleTextQuerySet(models.QuerySet["ArticleText"]):
    """Writes that skip save() still keep ``rendered_body`` and ``rendered_summary`` in step."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[ArticleText]:
        objs = list(objs)
        for text in objs:
            text.refresh_rendered()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        objs, fields = list(objs), list(fields)
        if RENDERED_SOURCES & set(fields):
            for text in objs:
                text.refresh_rendered()
            fields += [f for f in RENDERED_FIELDS if f not in fields]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if not RENDERED_SOURCES & set(kwargs):
            return super().update(**kwargs)
        # The new lead or blocks may be expressions: update, then render the rows from what was stored.
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            plain = self.model._base_manager.using(self.db)  # a plain queryset: no second render
            texts = list(plain.filter(pk__in=pks).only("pk", "lead", "blocks"))
            for text in texts:
                text.refresh_rendered()
            plain.bulk_update(texts, RENDERED_FIELDS)
        return count


class ArticleText(models.Model):
    """One language version of an article: the original, or a translation."""

    class Status(models.TextChoices):
        ORIGINAL = "original", _("original")
        HUMAN = "human", _("human translation")
        MACHINE = "machine", _("machine translation")
        POST_EDITED = "post-edited", _("post-edited machine translation")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=12)
    title = models.CharField(max_length=500)
    lead = models.TextField(blank=True)
    blocks = models.JSONField(default=list, validators=[validate_block_list])
    slug = models.SlugField(max_length=200, allow_unicode=False)
    status = models.CharField(max_length=12, choices=Status.choices)
    engine = models.CharField(max_length=100, blank=True, help_text="MT engine, for machine-made text.")
    model_version = models.CharField(max_length=300, blank=True)
    translated_from = models.CharField(
        max_length=12, blank=True, help_text="Source language of a translation."
    )
    route = models.CharField(max_length=500, blank=True, help_text="MT path, e.g. vi→en→id via …")
    stale = models.BooleanField(default=False, help_text="The original changed after this text was made.")
    qa_passed = models.BooleanField(null=True, blank=True)
    is_published = models.BooleanField(default=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who did what, for the newsroom (set by the admin, the post-edit editor and MT; see kabar.newsroom).
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When a person last edited its words.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last published it; empty: kabar did (ingestion, machine translation).",
    )
    published_at = models.DateTimeField(null=True, blank=True, help_text="When it was last published.")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    # Derived from lead and blocks by save() (kabar.news.rendered), so pages never sanitise.
    rendered_body = models.JSONField(default=dict, blank=True, editable=False)
    rendered_summary = models.TextField(blank=True, editable=False)

    objects = ArticleTextQuerySet.as_manager()

    class Meta:
        ordering = ["article", "language"]
        # Apart from change_articletext: a translator writes a text, an editor publishes it.
        permissions = [("publish_articletext", "Can publish and unpublish texts")]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="one_text_per_language"),
            models.UniqueConstraint(fields=["language", "slug"], name="slug_unique_per_language"),
            models.UniqueConstraint(
                fields=["article"], condition=Q(status="original"), name="one_original_per_article"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.title}"

    @property
    def is_machine_made(self) -> bool:
        return self.status in {self.Status.MACHINE, self.Status.POST_EDITED}

    def refresh_rendered(self) -> None:
        """Work out ``rendered_body`` and ``rendered_summary`` from the lead and blocks (no save)."""
        self.rendered_body = rendered.render_body(self.lead, self.blocks)
        self.rendered_summary = rendered.summary(self.lead, self.blocks)

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or RENDERED_SOURCES & set(update_fields):
            self.refresh_rendered()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *RENDERED_FIELDS}
        if self.is_published and self.published_at is None:  # published by kabar itself (ingest, MT)
            self.published_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "published_at"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        translation = self.status != self.Status.ORIGINAL
        if translation and self.article_id and self.article.source_language == self.language:
            raise ValidationError({"language": "A translation cannot be in the article's source language."})

    def get_absolute_url(self) -> str:
        # The URL's year and month are the ones readers see on the page: local time.
        when = timezone.localtime(self.article.published_at)
        return reverse(
            "site:article",
            kwargs={"year": f"{when.year:04d}", "month": f"{when.month:02d}", "slug": self.slug},
        )


class ArticleAlias(models.Model):
    """Another URL at which the same article was found (a near-duplicate); linked, not stored twice."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="aliases")
    url = models.URLField(max_length=1000, unique=True)
    similarity = models.FloatField(help_text="Estimated Jaccard similarity to the article's text.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "article aliases"

    def __str__(self) -> str:
        return self.url


class ArticleRevision(models.Model):
    """The original text as it was before the outlet changed it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    lead = models.TextField(blank=True)
    blocks = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"


class Media(models.Model):
    """An image used by an article, with its caption per language and its credit."""

    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="media"
    )
    image = models.ImageField(
        upload_to="media/%Y/%m/", blank=True, width_field="width", height_field="height"
    )
    url = models.URLField(max_length=1000, blank=True, help_text="Original location at the outlet.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    captions = models.JSONField(default=dict, blank=True)
    credit = models.CharField(max_length=300, blank=True)
    # Derived from captions by save() (kabar.news.rendered), so pages never sanitise.
    rendered_captions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "media"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "captions" in update_fields:
            self.rendered_captions = rendered.render_captions(self.captions)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "rendered_captions"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.url or (self.image.name if self.image else f"Media {self.pk}")

    @property
    def src(self) -> str:
        return self.image.url if self.image else self.url

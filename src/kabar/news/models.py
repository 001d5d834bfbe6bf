"""The content model: outlets, their sources, articles and per-language texts.

``Article`` holds the facts that do not depend on language; every language
version, the original included, is an ``ArticleText``. Section names are kept
per language by people (``Section.names``) and are never machine-translated.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kabar.core.blocks import BlockError, validate_blocks
from kabar.news import rendered
from kabar.news.private_access import PrivateAccessApproval

log = logging.getLogger("kabar.news")


# What the article URL's <slug:> converter accepts; any other slug is left to reverse() to refuse.
_URL_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_STAND_IN = "kabar-article-slug"


@functools.lru_cache(maxsize=64)
def _article_path_around(resolver: Any, script_prefix: str, language: str) -> tuple[str, str]:
    """What comes before and after ``<yyyy>/<mm>/<slug>/`` in an article's path, reversed once.

    Keyed by the resolver object (a new one after a ROOT_URLCONF change), the script prefix and
    the language (the i18n prefix): everything reverse() reads besides the arguments.
    """
    with translation.override(language):
        path = reverse(
            "site:article",
            urlconf=resolver.urlconf_name,
            kwargs={"year": "9999", "month": "12", "slug": _SLUG_STAND_IN},
        )
    head, found, tail = path.partition(f"9999/12/{_SLUG_STAND_IN}/")
    assert found, path
    return head, tail


def article_path(language: str, published_at: dt.datetime, slug: str) -> str:
    """``reverse("site:article")`` for a text in ``language`` ("": the active one): an article page
    shows a dozen of these links, and reverse() costs more than the rest of building each one.

    The year and month are the ones readers see on the page: local time.
    """
    when = timezone.localtime(published_at)
    language = language or translation.get_language()
    if not _URL_SLUG.fullmatch(slug):
        with translation.override(language):
            return reverse(
                "site:article",
                kwargs={"year": f"{when.year:04d}", "month": f"{when.month:02d}", "slug": slug},
            )
    head, tail = _article_path_around(get_resolver(get_urlconf()), get_script_prefix(), language)
    return f"{head}{when.year:04d}/{when.month:02d}/{slug}/{tail}"


def validate_block_list(value: Any) -> None:
    try:
        validate_blocks(value)
    except BlockError as exc:
        raise ValidationError(str(exc), code="blocks") from exc


class Outlet(models.Model):
    """A partner publication. ``name`` is kept exactly as the outlet writes it."""

    name = models.CharField(
        max_length=200, help_text=_("As the outlet writes it; never translated."), verbose_name=_("name")
    )
    slug = models.SlugField(max_length=100, unique=True, verbose_name=_("slug"))
    home_url = models.URLField(max_length=500, verbose_name=_("home URL"))
    language = models.CharField(
        max_length=12, help_text=_("The outlet's declared language (ISO 639-1)."), verbose_name=_("language")
    )
    logo = models.ImageField(upload_to="outlets/", blank=True, verbose_name=_("logo"))
    licence = models.TextField(
        blank=True, help_text=_("Licence or terms under which kabar republishes."), verbose_name=_("licence")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Source(PrivateAccessApproval, models.Model):
    """How an outlet is pulled: a feed, a sitemap, single URLs, or files."""

    class Kind(models.TextChoices):
        FEED = "feed", _("RSS/Atom feed")
        SITEMAP = "sitemap", _("XML sitemap")
        URL = "url", _("Single URL")
        FILE = "file", _("Local HTML file or folder")
        WARC = "warc", _("WARC/WET file")
        CAPTURE = "capture", _("Plain-text capture")

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="sources", verbose_name=_("outlet")
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    url = models.CharField(
        max_length=1000, help_text=_("URL, or a path for file-based kinds."), verbose_name=_("URL")
    )
    schedule_minutes = models.PositiveIntegerField(
        default=30,
        help_text=_("Poll every N minutes; 0 = manual only."),
        verbose_name=_("poll every (minutes)"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    allow_private = models.BooleanField(
        default=False,
        help_text=_("Allow fetching from loopback/private addresses (off except for local test outlets)."),
        verbose_name=_("allow private addresses"),
    )
    # Who switched private access on, and when: a poll honours ``allow_private`` only while that
    # person is an active superuser and the source has not been re-pointed since.
    private_access_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("private access by"),
    )
    private_access_at = models.DateTimeField(null=True, blank=True, verbose_name=_("private access at"))
    private_access_target = models.CharField(
        max_length=1100,
        blank=True,
        editable=False,
        help_text=_("The kind, outlet and URL that were approved."),
        verbose_name=_("private access target"),
    )
    etag = models.CharField(max_length=300, blank=True, verbose_name=_("ETag"))
    last_modified = models.CharField(max_length=100, blank=True, verbose_name=_("Last-Modified"))
    last_polled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last polled"))
    last_result = models.CharField(max_length=300, blank=True, verbose_name=_("last result"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")

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
    slug = models.SlugField(max_length=100, unique=True, verbose_name=_("slug"))
    names = models.JSONField(
        default=dict,
        help_text=_('Names per language, kept by people: {"vi": "Thời sự", "en": "News"}.'),
        verbose_name=_("names"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
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
                    "slug": _(
                        "“%(slug)s” is taken by a page of the site; choose another slug (e.g. “%(slug)s-news”)."
                    )
                    % {"slug": self.slug}
                }
            )

    def get_absolute_url(self) -> str:
        return reverse("site:section", kwargs={"section": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=_("slug"))
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authors",
        verbose_name=_("outlet"),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
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
        help_text=_('Names per language, kept by people: {"vi": "Bão Yagi", "en": "Typhoon Yagi"}.'),
        verbose_name=_("labels"),
    )
    first_seen = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Publication time of its first article."),
        verbose_name=_("first seen"),
    )
    last_seen = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Publication time of its latest article."),
        verbose_name=_("last seen"),
    )
    pinned = models.BooleanField(
        default=False,
        help_text=_("Kept as is: new articles may join it, none is moved out or deleted automatically."),
        verbose_name=_("pinned"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
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

    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, related_name="articles", verbose_name=_("outlet")
    )
    source_url = models.URLField(
        max_length=1000,
        unique=True,
        help_text=_("Canonical URL at the outlet."),
        verbose_name=_("source URL"),
    )
    source_language = models.CharField(max_length=12, verbose_name=_("source language"))
    authors = models.ManyToManyField(Author, blank=True, related_name="articles", verbose_name=_("authors"))
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("section"),
    )
    section_label = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The outlet's own section label, as read from the page (mapped by SectionMapping)."),
        verbose_name=_("outlet section label"),
    )
    published_at = models.DateTimeField(db_index=True, verbose_name=_("published"))
    updated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("updated"))
    content_hash = models.CharField(max_length=64, blank=True, verbose_name=_("content hash"))
    fetched_url = models.CharField(
        max_length=1000,
        blank=True,
        help_text=_("Where the stored copy was read (may differ from the canonical URL)."),
        verbose_name=_("fetched URL"),
    )
    # The article's story is its ``kabar.stories.StoryMembership`` (``article.story_membership``).
    minhash = models.BinaryField(
        blank=True,
        default=b"",
        editable=False,
        help_text=_("MinHash signature of the original text."),
        verbose_name=_("MinHash"),
    )
    flags = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Operator warnings, e.g. a language mismatch."),
        verbose_name=_("flags"),
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
        help_text=_("The original article, when kabar has it."),
        verbose_name=_("republished from"),
    )
    original_url = models.URLField(
        max_length=1000,
        blank=True,
        help_text=_("The original article's address, for a republication."),
        verbose_name=_("original URL"),
    )
    original_outlet = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The original outlet's name as the republishing page writes it."),
        verbose_name=_("original outlet"),
    )
    provenance = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("How the page named its original (source line, canonical, isBasedOn)."),
        verbose_name=_("provenance"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
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
        return bool(self.provenance or self.original_url or self.republished_from_id)


class SectionMapping(models.Model):
    """An editor's rule: this outlet's section label (or URL path prefix) files under this section.

    Labels match with case and diacritics folded ("KINH TẾ" = "Kinh tế" = "kinh te"); a label that
    starts with "/" is a path prefix of the article's URL ("/kinh-te/"). Saving a mapping re-files
    the outlet's "unsorted" articles it covers (``kabar.news.section_map``).
    """

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="section_mappings", verbose_name=_("outlet")
    )
    label = models.CharField(
        max_length=200,
        help_text=_('The outlet\'s section name ("Kinh tế"), or a path prefix of its URLs ("/kinh-te/").'),
        verbose_name=_("label"),
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("section")
    )
    key = models.CharField(
        max_length=200, editable=False, help_text=_("The label folded for matching."), verbose_name=_("key")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("section mapping")
        verbose_name_plural = _("section mappings")
        ordering = ["outlet", "label"]
        constraints = [models.UniqueConstraint(fields=["outlet", "key"], name="one_mapping_per_outlet_label")]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.label} → {self.section}"

    def clean(self) -> None:
        from kabar.core.text.section_labels import fold_label

        super().clean()
        self.key = fold_label(self.label)
        if not self.key:
            raise ValidationError(
                {"label": _("Write the outlet's section name or a path such as /kinh-te/.")}
            )
        taken = SectionMapping.objects.filter(outlet_id=self.outlet_id, key=self.key).exclude(pk=self.pk)
        if self.outlet_id and taken.exists():
            raise ValidationError(
                {
                    "label": _("This outlet already maps “%(label)s” (folded: %(key)s).")
                    % {"label": self.label, "key": self.key}
                }
            )
        if self.section_id and self.section.is_unsorted:
            raise ValidationError({"section": _("Choose a section readers see, not “unsorted”.")})

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

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="texts", verbose_name=_("article")
    )
    language = models.CharField(max_length=12, verbose_name=_("language"))
    title = models.CharField(max_length=500, verbose_name=_("title"))
    lead = models.TextField(blank=True, verbose_name=_("lead"))
    blocks = models.JSONField(default=list, validators=[validate_block_list], verbose_name=_("blocks"))
    slug = models.SlugField(max_length=200, allow_unicode=False, verbose_name=_("slug"))
    status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("status"))
    engine = models.CharField(
        max_length=100, blank=True, help_text=_("MT engine, for machine-made text."), verbose_name=_("engine")
    )
    model_version = models.CharField(max_length=300, blank=True, verbose_name=_("model version"))
    translated_from = models.CharField(
        max_length=12,
        blank=True,
        help_text=_("Source language of a translation."),
        verbose_name=_("translated from"),
    )
    route = models.CharField(
        max_length=500, blank=True, help_text=_("MT path, e.g. vi→en→id via …"), verbose_name=_("route")
    )
    stale = models.BooleanField(
        default=False, help_text=_("The original changed after this text was made."), verbose_name=_("stale")
    )
    qa_passed = models.BooleanField(null=True, blank=True, verbose_name=_("QA passed"))
    is_published = models.BooleanField(default=True, verbose_name=_("published"))
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("editor"),
    )
    # Who did what, for the newsroom (set by the admin, the post-edit editor and MT; see kabar.newsroom).
    edited_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a person last edited its words."), verbose_name=_("edited")
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who last published it; empty: kabar did (ingestion, machine translation)."),
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it was last published."), verbose_name=_("last published")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified_at = models.DateTimeField(auto_now=True, verbose_name=_("modified"))
    # Derived from lead and blocks by save() (kabar.news.rendered), so pages never sanitise.
    rendered_body = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("rendered body")
    )
    rendered_summary = models.TextField(blank=True, editable=False, verbose_name=_("rendered summary"))

    objects = ArticleTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("article text")
        verbose_name_plural = _("article texts")
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
            raise ValidationError(
                {"language": _("A translation cannot be in the article's source language.")}
            )

    def get_absolute_url(self) -> str:
        # The path's language prefix is the text's own, whatever language the caller runs in
        # (an editor's admin in English links a Vietnamese text to /vi/..., not /en/...).
        return article_path(self.language, self.article.published_at, self.slug)


class ArticleAlias(models.Model):
    """Another URL at which the same article was found (a near-duplicate); linked, not stored twice."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("article")
    )
    url = models.URLField(max_length=1000, unique=True, verbose_name=_("URL"))
    similarity = models.FloatField(
        help_text=_("Estimated Jaccard similarity to the article's text."), verbose_name=_("similarity")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("article alias")
        verbose_name_plural = _("article aliases")

    def __str__(self) -> str:
        return self.url


class ArticleRevision(models.Model):
    """The original text as it was before the outlet changed it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("article")
    )
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    title = models.CharField(max_length=500, verbose_name=_("title"))
    lead = models.TextField(blank=True, verbose_name=_("lead"))
    blocks = models.JSONField(default=list, verbose_name=_("blocks"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"


class Media(models.Model):
    """An image used by an article, with its caption per language and its credit."""

    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="media",
        verbose_name=_("article"),
    )
    image = models.ImageField(
        upload_to="media/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
        verbose_name=_("image"),
    )
    url = models.URLField(
        max_length=1000, blank=True, help_text=_("Original location at the outlet."), verbose_name=_("URL")
    )
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    captions = models.JSONField(default=dict, blank=True, verbose_name=_("captions"))
    credit = models.CharField(max_length=300, blank=True, verbose_name=_("credit"))
    # Derived from captions by save() (kabar.news.rendered), so pages never sanitise.
    rendered_captions = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("rendered captions")
    )

    class Meta:
        verbose_name = _("media item")
        verbose_name_plural = _("media")

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

"""Edits → the tags they affect → new versions (and CDN purges), after the commit.

What each edit bumps (``tags`` names them):

* a published text of article X in language L saved, published, unpublished or deleted:
  ``article:X`` (its pages in every language: the language switcher), its story, and the
  listings of L it appears in: ``home:L``, ``section:S:L``, ``author:A:L``. A text that was not
  published and still is not changes no page, and bumps nothing;
* the article itself, its images, its authors (either side of the relation), its story
  membership, or a new original stored by ingestion (``original_changed``): the same, for every
  language it is published in, plus the section, authors and story it had before;
* a section: ``section:S`` and ``site`` (the menu on every page); an outlet: ``outlet:O`` and
  ``site`` (teasers name outlets); an author: ``author:A``; a story: ``story:Y``.

Tags are gathered per transaction and bumped once when it commits (never for a rolled-back one).
The article facts (section, authors, story, languages) are read at commit, in one query for
every article the transaction touched; what is about to disappear (a deleted article, the
section an article leaves) is read before it does. Queryset ``update()`` and ``bulk_create``
send no signals: after such writes run ``kabar purge --all``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from kabar.news.models import Article, ArticleText, Author, Media, Outlet, Section, Story
from kabar.news.signals import original_changed
from kabar.pagecache import tags as t

log = logging.getLogger("kabar.pagecache")

ALL_LANGUAGES = None  # an article refreshed in every language it is published in


class Batch:
    """The tags one transaction affects; called once, after its commit."""

    def __init__(self, *, coalesce: bool = False) -> None:
        self.tags: set[str] = set()
        # article id -> languages whose listings to refresh (ALL_LANGUAGES: all it is published in)
        self.articles: dict[int, set[str] | None] = {}
        # deferred(coalesce=True): other apps' after-commit work, by name: (run, the items gathered)
        self.coalesce = coalesce
        self.work: dict[str, tuple[Callable[[set[Any]], object], set[Any]]] = {}

    def run_work(self) -> None:
        """Run each gathered piece of work once, with every item the block gave it (oldest name first)."""
        while self.work:
            name = next(iter(self.work))
            run, items = self.work.pop(name)
            try:
                run(items)
            except Exception:  # each piece logs its own failures; one that does not costs only itself
                log.exception("%s: the work deferred to the end of the block failed", name)

    def add_article(self, pk: int, languages: Iterable[str] | None = ALL_LANGUAGES) -> None:
        if pk in self.articles and self.articles[pk] is ALL_LANGUAGES:
            return
        if languages is ALL_LANGUAGES:
            self.articles[pk] = ALL_LANGUAGES
        else:
            self.articles.setdefault(pk, set()).update(languages)  # type: ignore[union-attr]

    def resolve(self) -> set[str]:
        return self.tags | article_tags(self.articles)

    def __call__(self) -> None:
        from kabar.pagecache.tasks import after_bump

        try:
            found = self.resolve()
            after_bump(found)
        except Exception as exc:  # the edit stands; stored pages expire with KABAR_PAGE_CACHE_TTL
            log.error("page cache not invalidated (%s); run `kabar purge --all` if pages look stale", exc)


def article_tags(articles: dict[int, set[str] | None]) -> set[str]:
    """Tags for articles as they are now (one query for all of them)."""
    if not articles:
        return set()
    rows = Article.objects.filter(pk__in=list(articles)).values_list(
        "pk", "section_id", "story_membership__story_id", "authors", "texts__language", "texts__is_published"
    )
    facts: dict[int, dict[str, set[Any]]] = {}
    for pk, section_id, story_id, author_id, language, published in rows:
        fact = facts.setdefault(
            pk, {"sections": set(), "stories": set(), "authors": set(), "languages": set()}
        )
        fact["sections"].add(section_id)
        if story_id is not None:
            fact["stories"].add(story_id)
        if author_id is not None:
            fact["authors"].add(author_id)
        if language is not None and published:
            fact["languages"].add(language)
    found: set[str] = set()
    for pk, languages in articles.items():
        found.add(t.article_tag(pk))
        known = facts.get(pk)
        if known is None:  # deleted since: what it showed was gathered before the delete
            continue
        found |= {t.story_tag(s) for s in known["stories"]}
        for code in known["languages"] if languages is ALL_LANGUAGES else languages:
            found |= t.text_listing_tags(code, section_ids=known["sections"], author_ids=known["authors"])
    return found


_deferred: ContextVar[Batch | None] = ContextVar("kabar_pagecache_deferred", default=None)


@contextlib.contextmanager
def deferred(*, coalesce: bool = False) -> Iterator[Batch]:
    """Gather every edit's tags until the block ends, then bump them once (``kabar publish``).

    For bulk work in many transactions: one bump, one CDN purge and one static-publishing task
    at the end instead of one per transaction. The tags are bumped even when the block fails
    part way, since the transactions committed before the failure changed pages too.

    ``coalesce=True`` (ingestion, per document and per batch of pictures) also gathers the
    after-commit work other apps hand to ``after_commit_work`` (the search index, webhook
    events, the menu check): run once per block for everything it touched, just before the
    bump, instead of once per signal and commit. That work only ever reads the rows as they
    are then and brings its own state in line, so running it for a rolled-back write is
    harmless. A nested block joins the outer one (and its ``coalesce``).
    """
    current = _deferred.get()
    if current is not None:  # nested: the outer block bumps
        yield current
        return
    batch = Batch(coalesce=coalesce)
    token = _deferred.set(batch)
    try:
        yield batch
    finally:
        try:
            batch.run_work()  # while the block is current: the tags that work bumps join its batch
        finally:
            _deferred.reset(token)
            if coalesce:
                # After the gathered work (queued the same way); at once outside a transaction,
                # and never before an enclosing one commits (a page rendered in between would
                # be stored with the new versions and the old rows).
                transaction.on_commit(batch)
            else:
                batch()


def after_commit_work(name: str, run: Callable[[set[Any]], object], items: Iterable[Hashable]) -> bool:
    """Inside ``deferred(coalesce=True)``: keep ``items`` for ``run(all items)``, once at the block's end.

    Returns False outside such a block: the caller then does its work after the commit as usual.
    ``name`` identifies the work (the first ``run`` given under it is the one called).
    """
    outer = _deferred.get()
    if outer is None or not outer.coalesce:
        return False
    outer.work.setdefault(name, (run, set()))[1].update(items)
    return True


def bump_after_commit(tags: Iterable[str]) -> None:
    """Already after a commit: bump ``tags`` now, or with the rest when a ``deferred()`` block ends."""
    from kabar.pagecache.tasks import after_bump

    outer = _deferred.get()
    if outer is not None:
        outer.tags.update(tags)
    else:
        after_bump(set(tags))


def record(tags: Iterable[str] = (), articles: Mapping[int, set[str] | None] | None = None) -> None:
    """Add to the current transaction's batch (bumped on commit); in autocommit, bump now."""
    outer = _deferred.get()
    if outer is not None:  # inside deferred(): bumped once, when that block ends
        outer.tags.update(tags)
        for pk, languages in (articles or {}).items():
            outer.add_article(pk, languages)
        return
    connection = transaction.get_connection()
    found = None
    if connection.in_atomic_block:
        # One batch per transaction and savepoint: a savepoint rolled back takes its batch along.
        here = set(connection.savepoint_ids)
        found = next(
            (f for ids, f, _robust in connection.run_on_commit if isinstance(f, Batch) and ids == here), None
        )
    new = found is None
    if found is None:
        found = Batch()
    found.tags.update(tags)
    for pk, languages in (articles or {}).items():
        found.add_article(pk, languages)
    if new:
        # Inside a transaction: once, at its commit. In autocommit the write is already committed:
        # Django runs it at once.
        transaction.on_commit(found)


def _site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# --- texts ---------------------------------------------------------------------------------


def text_before_save(sender: type[ArticleText], instance: ArticleText, raw: bool = False, **kw: Any) -> None:
    if raw or instance.pk is None:
        return
    was = ArticleText.objects.filter(pk=instance.pk).values_list("is_published", flat=True).first()
    instance._kabar_was_published = bool(was)  # type: ignore[attr-defined]


def text_saved(
    sender: type[ArticleText], instance: ArticleText, created: bool = False, raw: bool = False, **kw: Any
) -> None:
    if raw:
        return
    was_published = not created and getattr(instance, "_kabar_was_published", True)
    if not (was_published or instance.is_published):
        return  # neither before nor after on any page
    record(articles={instance.article_id: {instance.language}})


def text_deleted(sender: type[ArticleText], instance: ArticleText, **kw: Any) -> None:
    if not instance.is_published:
        return
    record(articles={instance.article_id: {instance.language}})


# --- articles, images, authors of an article, story memberships ------------------------------


def article_before_save(sender: type[Article], instance: Article, raw: bool = False, **kw: Any) -> None:
    if raw or instance.pk is None:
        return
    old = Article.objects.filter(pk=instance.pk).values_list("section_id", flat=True).first()
    instance._kabar_old_section = old  # type: ignore[attr-defined]


def article_saved(
    sender: type[Article], instance: Article, created: bool = False, raw: bool = False, **kw: Any
) -> None:
    if created or raw:  # no text yet: nothing shows it
        return
    old = getattr(instance, "_kabar_old_section", None)
    left = (
        [t.section_tag(old, code) for code in _site_languages()]
        if old not in (None, instance.section_id)
        else []
    )
    record(left, {instance.pk: ALL_LANGUAGES})


def article_before_delete(sender: type[Article], instance: Article, **kw: Any) -> None:
    record(article_tags({instance.pk: ALL_LANGUAGES}))


def media_changed(sender: type[Media], instance: Media, raw: bool = False, **kw: Any) -> None:
    if raw or instance.article_id is None:
        return
    record(articles={instance.article_id: ALL_LANGUAGES})


def authors_changed(
    sender: Any, instance: Article | Author, action: str, reverse: bool, pk_set: set[int] | None, **kw: Any
) -> None:
    """``article.authors`` or ``author.articles`` about to change (pre_add, pre_remove, pre_clear).

    Before the change is when both sides are known (a clear has no ``pk_set``): the authors'
    listings in every language, and the articles, whose tags are read at commit (new authors).
    """
    if not action.startswith("pre_"):
        return
    if reverse:
        assert isinstance(instance, Author)
        author_ids = [instance.pk]
        article_ids = (
            list(pk_set) if pk_set is not None else list(instance.articles.values_list("pk", flat=True))
        )
    else:
        assert isinstance(instance, Article)
        article_ids = [instance.pk]
        author_ids = (
            list(pk_set) if pk_set is not None else list(instance.authors.values_list("pk", flat=True))
        )
    record(
        {t.author_tag(a, code) for a in author_ids for code in _site_languages()},
        dict.fromkeys(article_ids, ALL_LANGUAGES),
    )


def membership_before_save(sender: Any, instance: Any, raw: bool = False, **kw: Any) -> None:
    if raw or instance.pk is None:
        return
    old = type(instance).objects.filter(pk=instance.pk).values_list("story_id", flat=True).first()
    instance._kabar_old_story = old


def membership_changed(sender: Any, instance: Any, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    stories = {getattr(instance, "_kabar_old_story", None), instance.story_id} - {None}
    record({t.story_tag(s) for s in stories}, {instance.article_id: ALL_LANGUAGES})


def original_stored(sender: Any, article: Article, **kw: Any) -> None:
    # Sent after ingestion's commit; it may have changed texts with queryset updates (stale flags).
    record(articles={article.pk: ALL_LANGUAGES})


# --- sections, outlets, authors, stories themselves --------------------------------------------


def section_changed(sender: type[Section], instance: Section, raw: bool = False, **kw: Any) -> None:
    if not raw:  # a new section is in the menu too
        record([t.section_tag(instance.pk), t.SITE])


def outlet_changed(
    sender: type[Outlet], instance: Outlet, created: bool = False, raw: bool = False, **kw: Any
) -> None:
    if not (raw or created):
        record([t.outlet_tag(instance.pk), t.SITE])


def author_changed(
    sender: type[Author], instance: Author, created: bool = False, raw: bool = False, **kw: Any
) -> None:
    if not (raw or created):
        record([t.author_tag(instance.pk)])


def story_changed(
    sender: type[Story], instance: Story, created: bool = False, raw: bool = False, **kw: Any
) -> None:
    if not (raw or created):
        record([t.story_tag(instance.pk)])


def connect() -> None:
    from kabar.stories.models import StoryMembership

    uid = "kabar.pagecache."
    pre_save.connect(text_before_save, sender=ArticleText, dispatch_uid=uid + "text_before_save")
    post_save.connect(text_saved, sender=ArticleText, dispatch_uid=uid + "text_saved")
    post_delete.connect(text_deleted, sender=ArticleText, dispatch_uid=uid + "text_deleted")
    pre_save.connect(article_before_save, sender=Article, dispatch_uid=uid + "article_before_save")
    post_save.connect(article_saved, sender=Article, dispatch_uid=uid + "article_saved")
    pre_delete.connect(article_before_delete, sender=Article, dispatch_uid=uid + "article_before_delete")
    post_save.connect(media_changed, sender=Media, dispatch_uid=uid + "media_saved")
    post_delete.connect(media_changed, sender=Media, dispatch_uid=uid + "media_deleted")
    m2m_changed.connect(authors_changed, sender=Article.authors.through, dispatch_uid=uid + "authors")
    pre_save.connect(membership_before_save, sender=StoryMembership, dispatch_uid=uid + "membership_before")
    post_save.connect(membership_changed, sender=StoryMembership, dispatch_uid=uid + "membership_saved")
    post_delete.connect(membership_changed, sender=StoryMembership, dispatch_uid=uid + "membership_deleted")
    original_changed.connect(original_stored, dispatch_uid=uid + "original_changed")
    post_save.connect(section_changed, sender=Section, dispatch_uid=uid + "section_saved")
    post_delete.connect(section_changed, sender=Section, dispatch_uid=uid + "section_deleted")
    post_save.connect(outlet_changed, sender=Outlet, dispatch_uid=uid + "outlet_saved")
    post_delete.connect(outlet_changed, sender=Outlet, dispatch_uid=uid + "outlet_deleted")
    post_save.connect(author_changed, sender=Author, dispatch_uid=uid + "author_saved")
    post_delete.connect(author_changed, sender=Author, dispatch_uid=uid + "author_deleted")
    post_save.connect(story_changed, sender=Story, dispatch_uid=uid + "story_saved")
    post_delete.connect(story_changed, sender=Story, dispatch_uid=uid + "story_deleted")

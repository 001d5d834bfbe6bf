"""Machine-translate articles into stored ``ArticleText`` rows.

An article's title, lead and body go through ``kabar.core.translate.translate`` as one
list of blocks (title and lead as two leading pseudo-blocks), with the router,
glossary, database translation memory and language detector shared across a
run. Engine work happens outside any transaction; the text and its segment
records are then written in one short one.

``translate_many`` batches *across* articles: up to ``BATCH_ARTICLES``
articles with the same language pair go through one ``translate_documents``
call, so engines get full batches, a sentence that recurs in several articles
(datelines, boilerplate) is translated once and the memory is asked once, while
QA still judges each article on its own. If such a group fails, its articles are
retried one by one, so one bad article cannot sink the others and every failure
names its article.

Rules that protect people's work: a human or post-edited text is never
replaced by machine output (when the original changed it stays ``stale`` for an
editor); a machine text is published only when QA passed and the target's
``MT_PUBLISH`` policy is ``instant`` (``review`` holds it until post-edited).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabar.core.blocks import BlockError, block_text, validate_blocks
from kabar.core.errors import StageError
from kabar.core.translate.glossary import Glossary
from kabar.core.translate.mt.routing import NoRoute, RoutePlan, Router
from kabar.core.translate.translate import SegmentResult, translate_documents
from kabar.core.types import Block
from kabar.detector import get_detector
from kabar.ingest.store import unique_slug
from kabar.news.models import Article, ArticleText
from kabar.translation.engines import get_router
from kabar.translation.glossary import build_glossary
from kabar.translation.memory import DjangoTM
from kabar.translation.models import SegmentRecord
from kabar.translation.shape import article_blocks, issues_json, segment_place, split_article_blocks

log = logging.getLogger("kabar.translation")

Action = Literal["translated", "current", "kept-human", "same-language", "failed"]

BATCH_ARTICLES = 20
BATCH_CHARS = 60_000  # well under translate_documents' 300,000-character cap
ARTICLE_TIMEOUT = 300.0  # seconds of engine time per article in a group

_TITLE_MAX = ArticleText._meta.get_field("title").max_length or 500
_ROUTE_MAX = ArticleText._meta.get_field("route").max_length or 500
_ENGINE_MAX = ArticleText._meta.get_field("engine").max_length or 100
_VERSION_MAX = ArticleText._meta.get_field("model_version").max_length or 300


class TranslationFailed(StageError):
    """An article could not be translated; ``reason`` says why."""

    stage = "translate"


@dataclass
class Outcome:
    """What happened to one (article, target language)."""

    article_id: int
    target: str
    action: Action
    text: ArticleText | None = None
    segments: int = 0
    from_memory: int = 0
    qa_passed: bool | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "article": self.article_id,
            "target": self.target,
            "action": self.action,
            "text": self.text.pk if self.text is not None else None,
            "segments": self.segments,
            "from_memory": self.from_memory,
            "qa_passed": self.qa_passed,
            "reason": self.reason,
        }


@dataclass
class BatchSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    engine_calls: int = 0

    def _count(self, action: Action) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def translated(self) -> int:
        return self._count("translated")

    @property
    def current(self) -> int:
        return self._count("current")

    @property
    def kept_human(self) -> int:
        return self._count("kept-human")

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == "failed"]

    @property
    def segments(self) -> int:
        return sum(o.segments for o in self.outcomes)

    @property
    def from_memory(self) -> int:
        return sum(o.from_memory for o in self.outcomes)

    @property
    def qa_failures(self) -> int:
        return sum(1 for o in self.outcomes if o.action == "translated" and o.qa_passed is False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "translated": self.translated,
            "current": self.current,
            "kept_human": self.kept_human,
            "failed": len(self.failed),
            "segments": self.segments,
            "from_memory": self.from_memory,
            "engine_calls": self.engine_calls,
            "qa_failures": self.qa_failures,
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


@dataclass
class TranslationJob:
    """One article to send through the engines into one language (see ``plan_job``)."""

    article: Article
    target: str
    plan: RoutePlan
    blocks: list[Block]  # title, lead, body
    content_hash: str  # the original's, when the job was planned

    @property
    def size(self) -> int:
        return sum(len(t) for b in self.blocks for t in block_text(b))


# --- policy --------------------------------------------------------------------------------------


def publish_policy(target: str) -> str:
    """``instant`` or ``review`` for machine text in ``target`` (``MT_PUBLISH``; default instant)."""
    policy = (getattr(settings, "MT_PUBLISH", {}) or {}).get(target, "instant")
    return "review" if str(policy).strip().lower() == "review" else "instant"


def plan_pairs(plan: RoutePlan) -> set[tuple[str, str]]:
    return {(plan.source, plan.target), *((hop.source, hop.target) for hop in plan.hops)}


# --- public entry points ---------------------------------------------------------------------------


def translate_article(article: Article, target_lang: str, *, force: bool = False) -> ArticleText:
    """Translate ``article`` into ``target_lang``; the stored (or kept) text.

    Raises a ``StageError`` naming the reason when it cannot (``NoRoute``,
    an engine's failure, ``TranslationFailed``); returns a human or
    post-edited text untouched; returns an up-to-date machine text as it is
    unless ``force``.
    """
    outcome = translate_article_outcome(article, target_lang, force=force)
    if outcome.text is None or outcome.action == "same-language":
        raise TranslationFailed(outcome.reason or f"article {article.pk} was not translated")
    return outcome.text


def translate_article_outcome(article: Article, target_lang: str, *, force: bool = False) -> Outcome:
    """``translate_article`` with the details (segments, memory hits, QA); raises on failure."""
    summary = translate_many([article], [target_lang], force=force, raise_errors=True)
    return summary.outcomes[0]


def translate_many(
    articles: Iterable[Article],
    targets: Sequence[str],
    *,
    force: bool = False,
    raise_errors: bool = False,
    on_progress: Callable[[Outcome], None] | None = None,
) -> BatchSummary:
    """Translate every article into every target; failures are collected, not raised.

    ``on_progress`` is called once per (article, target) as soon as it is settled.
    """
    router = get_router()
    summary = BatchSummary()

    def settle(outcome: Outcome) -> None:
        summary.outcomes.append(outcome)
        if on_progress is not None:
            on_progress(outcome)

    jobs: list[TranslationJob] = []
    plans: dict[tuple[str, str], RoutePlan | NoRoute] = {}
    for article in articles:
        for target in targets:
            job = plan_job(
                article, target.lower(), router, plans=plans, force=force, raise_errors=raise_errors
            )
            if isinstance(job, Outcome):
                settle(job)
            else:
                jobs.append(job)
    if not jobs:
        return summary
    glossary = build_glossary(pair for job in jobs for pair in plan_pairs(job.plan))
    runner = _GroupRunner(router, glossary, DjangoTM(), raise_errors, summary, settle)
    for group in _groups(jobs):
        runner.run(group)
    return summary


# --- planning ------------------------------------------------------------------------------------------


def plan_job(
    article: Article,
    target: str,
    router: Router,
    *,
    plans: dict[tuple[str, str], RoutePlan | NoRoute] | None = None,
    force: bool = False,
    raise_errors: bool = False,
) -> TranslationJob | Outcome:
    """The work to translate ``article`` (texts prefetched) into ``target``, or the Outcome saying why none.

    The one place that decides whether an article needs the engines: a missing
    original, the same language, a person's text, no route, or an up-to-date
    machine text (unless ``force``) all end here. ``plans`` caches routes across calls.
    """
    plans = {} if plans is None else plans
    original = article.original
    existing = article.text_for(target)
    if original is None:
        return _fail(article, target, f"article {article.pk} has no original text", raise_errors)
    source = original.language.lower()
    if source == target:
        return Outcome(article.pk, target, "same-language", original, reason=f"the original is in {target}")
    if existing is not None and existing.status != ArticleText.Status.MACHINE:
        if existing.stale:
            log.info(
                "article %s: the %s %s text is stale; left for an editor", article.pk, existing.status, target
            )
        return Outcome(
            article.pk,
            target,
            "kept-human",
            existing,
            reason=f"{existing.status} text" + (" (stale: the original changed)" if existing.stale else ""),
        )
    plan = plans.get((source, target))
    if plan is None:
        try:
            plan = router.plan(source, target)
        except NoRoute as exc:
            plan = exc
        plans[(source, target)] = plan
    if isinstance(plan, NoRoute):
        if raise_errors:
            raise plan
        return Outcome(article.pk, target, "failed", existing, reason=plan.reason)
    if existing is not None and not force and not existing.stale and existing.route == _route_text(plan):
        return Outcome(article.pk, target, "current", existing, qa_passed=existing.qa_passed)
    blocks = article_blocks(original.title, original.lead, original.blocks)
    return TranslationJob(article, target, plan, blocks, article.content_hash)


def _fail(article: Article, target: str, reason: str, raise_errors: bool) -> Outcome:
    if raise_errors:
        raise TranslationFailed(reason)
    return Outcome(article.pk, target, "failed", reason=reason)


def _groups(jobs: Sequence[TranslationJob]) -> list[list[TranslationJob]]:
    """Jobs with the same route, in runs of at most BATCH_ARTICLES articles and BATCH_CHARS characters."""
    by_pair: dict[tuple[str, str], list[TranslationJob]] = {}
    for job in jobs:
        by_pair.setdefault((job.plan.source, job.plan.target), []).append(job)
    groups: list[list[TranslationJob]] = []
    for pair_jobs in by_pair.values():
        current: list[TranslationJob] = []
        size = 0
        for job in pair_jobs:
            if current and (len(current) >= BATCH_ARTICLES or size + job.size > BATCH_CHARS):
                groups.append(current)
                current, size = [], 0
            current.append(job)
            size += job.size
        if current:
            groups.append(current)
    return groups


def _route_text(plan: RoutePlan) -> str:
    return plan.description[:_ROUTE_MAX]


# --- running and saving --------------------------------------------------------------------------------


@dataclass
class _GroupRunner:
    router: Router
    glossary: Glossary
    memory: DjangoTM
    raise_errors: bool
    summary: BatchSummary
    settle: Callable[[Outcome], None]

    def run(self, group: list[TranslationJob]) -> None:
        first = group[0]
        try:
            results = translate_documents(
                [job.blocks for job in group],
                first.plan.source,
                first.plan.target,
                router=self.router,
                glossary=self.glossary,
                memory=self.memory,
                detector=get_detector(),
                timeout=ARTICLE_TIMEOUT * len(group),
            )
        except StageError as exc:
            if len(group) > 1:  # find out which article it was; the others still go through
                for job in group:
                    self.run([job])
                return
            if self.raise_errors:
                raise
            log.warning("article %s → %s: %s", first.article.pk, first.target, exc)
            self.settle(Outcome(first.article.pk, first.target, "failed", reason=str(exc)))
            return
        self.summary.engine_calls += sum(result.engine_calls for result in results)
        for job, result in zip(group, results, strict=True):
            self.settle(self._save(job, result.blocks, result.segments))

    def _save(self, job: TranslationJob, blocks: list[Block], results: list[SegmentResult]) -> Outcome:
        article, target, plan = job.article, job.target, job.plan
        title, lead, body = split_article_blocks(blocks)
        try:
            validate_blocks(body)
        except BlockError as exc:  # the core keeps the structure; this would be a bug worth a clear report
            return _fail(article, target, f"translated blocks are invalid: {exc}", self.raise_errors)
        qa_passed = not any(r.has_errors for r in results)
        engines = ", ".join(dict.fromkeys(hop.engine for hop in plan.hops))
        versions = ", ".join(dict.fromkeys(hop.model_version for hop in plan.hops))
        with transaction.atomic():
            current = (
                ArticleText.objects.select_for_update().filter(article_id=article.pk, language=target).first()
            )
            if current is not None and current.status != ArticleText.Status.MACHINE:
                # An editor wrote this text while the engines were busy: theirs stays.
                return Outcome(article.pk, target, "kept-human", current, reason=f"{current.status} text")
            now_hash = Article.objects.filter(pk=article.pk).values_list("content_hash", flat=True).first()
            text = current or ArticleText(
                article_id=article.pk,
                language=target,
                status=ArticleText.Status.MACHINE,
                slug=unique_slug(target, title, exclude_article=article.pk),
            )
            text.title = title[:_TITLE_MAX]
            text.lead = lead
            text.blocks = body
            text.engine = engines[:_ENGINE_MAX]
            text.model_version = versions[:_VERSION_MAX]
            text.translated_from = plan.source
            text.route = _route_text(plan)
            # The original changed while we translated: a newer task will catch up.
            text.stale = now_hash != job.content_hash
            text.qa_passed = qa_passed
            was_published = current is not None and current.is_published
            text.is_published = qa_passed and publish_policy(target) == "instant"
            if text.is_published and not was_published:
                text.published_by, text.published_at = None, timezone.now()  # kabar published it
            text.editor = text.edited_at = None  # no person's words in it
            text.save()
            SegmentRecord.objects.filter(text=text).delete()
            SegmentRecord.objects.bulk_create(_records(text, results))
        return Outcome(
            article.pk,
            target,
            "translated",
            text,
            segments=len(results),
            from_memory=sum(1 for r in results if r.from_memory),
            qa_passed=qa_passed,
        )


def _records(text: ArticleText, results: Sequence[SegmentResult]) -> list[SegmentRecord]:
    records = []
    for position, result in enumerate(results):
        segment = result.segment
        place, block_index = segment_place(segment.block_index)
        records.append(
            SegmentRecord(
                text=text,
                position=position,
                field=place,
                block_index=block_index,
                part=segment.part,
                sentence_index=segment.sentence_index,
                kind=segment.kind,
                source_text=result.source_text,
                target_text=result.target_text,
                from_memory=result.from_memory,
                issues=issues_json(result.issues),
                passed=not result.has_errors,
            )
        )
    return records

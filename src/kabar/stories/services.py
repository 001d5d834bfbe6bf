"""Stories in the shell: the online relate step, editors' decisions, and rebuilding.

The relate stage itself is pure (``kabar.core.discover.relate``); here it gets its inputs from the
database and its decisions are stored as ``StoryMembership`` rows.

The rules, in the order they win:

1. An editor's decision is final. A membership with ``assigned_by=editor`` (merged, split, moved
   or detached by a person) is never changed by the online step or by a rebuild.
2. A pinned story is kept as is: no member leaves it automatically and it is never deleted;
   new articles may still join it.
3. Everything else is the relate stage's: each new or changed article joins the best recent story
   (``RelateParams.window_days``) or starts one. Running it again on an unchanged article changes
   nothing (idempotent): its own story is not a reason to leave it. When the relate stage finds
   that the joined story and another are one (``Decision.merge_with``), the story that started
   later is emptied into the other, unless an editor pinned, named or arranged it (then the
   other one goes, and when both are an editor's, neither).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from kabar.core.blocks import strip_tags
from kabar.core.discover import relate
from kabar.core.discover.relate import ArticleSignals, Embedder, EntityRarity, RelateParams, StorySummary
from kabar.ingest.republication import republication_story_id
from kabar.news.models import Article, ArticleText, Story
from kabar.stories import embedding
from kabar.stories.models import ArticleSignals as StoredSignals
from kabar.stories.models import StoryMembership

OPENING_CHARS = 600  # the opening paragraphs embedded with title and lead; enough to tell events apart
MEMBERS_PER_STORY = 12  # a candidate story is shown to relate.decide by its members nearest in time
MAX_CANDIDATES = 64  # more stories than this in the window: keep those with the closest member
# The window's newest members at most (their vectors are read for every article related): a busy
# site's older members would lose on time decay anyway, and memory stays bounded (~6 MB).
MAX_MEMBER_ROWS = 4000
EMBED_BATCH = 32

AUTO = StoryMembership.AssignedBy.AUTO
EDITOR = StoryMembership.AssignedBy.EDITOR


@dataclass(frozen=True)
class Assignment:
    """What the online step did with one article."""

    article_id: int
    action: str  # "new story", "joined", "moved", "unchanged", "kept: editor", "kept: pinned", "no original"
    story_id: int | None
    score: float = 0.0
    reason: str = ""
    merged_story: int | None = None  # a story the relate stage found to be this one and emptied into it

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --- signals -------------------------------------------------------------------------------------


def opening(blocks: Sequence[dict[str, object]], limit: int = OPENING_CHARS) -> str:
    """The first paragraphs' plain text, cut at a word near ``limit`` characters."""
    parts: list[str] = []
    size = 0
    for block in blocks:
        if block.get("type") not in {"paragraph", "heading", "quote"}:
            continue
        text = strip_tags(str(block.get("text") or "")).strip()
        if not text:
            continue
        parts.append(text)
        size += len(text) + 1
        if size >= limit:
            break
    joined = " ".join(parts)
    if len(joined) <= limit:
        return joined
    cut = joined[:limit]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def _original(article: Article) -> ArticleText | None:
    # Asked of the database, not a prefetch: the original may have changed since the article was read.
    return ArticleText.objects.filter(article_id=article.pk, status=ArticleText.Status.ORIGINAL).first()


def _text_hash(embedder: Embedder, title: str, lead: str, body: str) -> str:
    material = "\x00".join((embedding.embedder_name(embedder), title, lead, body))
    return hashlib.sha256(material.encode()).hexdigest()


def _inputs(article: Article) -> tuple[str, str, str, str] | None:
    original = _original(article)
    if original is None:
        return None
    return original.language, original.title, strip_tags(original.lead).strip(), opening(original.blocks)


def _from_stored(
    stored: StoredSignals, *, article_id: int, language: str, published: dt.datetime, minhash: bytes
) -> ArticleSignals:
    return ArticleSignals(
        key=str(article_id),
        language=language,
        published=published,
        embedding=stored.embedding(),
        minhash=minhash,
        entities=frozenset(stored.entities or ()),
    )


def article_signals(article: Article, embedder: Embedder) -> ArticleSignals | None:
    """The article's signals: stored ones while its original is unchanged, else computed and stored."""
    return signals_for([article], embedder).get(article.pk)


def signals_for(articles: Sequence[Article], embedder: Embedder) -> dict[int, ArticleSignals]:
    """Signals of many articles, embedding only those whose original changed, in batches."""
    found: dict[int, ArticleSignals] = {}
    stored = {s.article_id: s for s in StoredSignals.objects.filter(article__in=[a.pk for a in articles])}
    todo: list[tuple[Article, tuple[str, str, str, str], str]] = []
    for article in articles:
        inputs = _inputs(article)
        if inputs is None:
            continue
        language, title, lead, body = inputs
        digest = _text_hash(embedder, title, lead, body)
        kept = stored.get(article.pk)
        if kept is not None and kept.text_hash == digest:
            found[article.pk] = _from_stored(
                kept,
                article_id=article.pk,
                language=language,
                published=article.published_at,
                minhash=bytes(article.minhash),
            )
        else:
            todo.append((article, inputs, digest))
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        texts = [
            relate.ArticleText(str(a.pk), language, a.published_at, title, lead, body, bytes(a.minhash))
            for a, (language, title, lead, body), _digest in batch
        ]
        for (article, _given, digest), computed in zip(
            batch, relate.signals_batch(texts, embedder), strict=True
        ):
            StoredSignals.objects.update_or_create(
                article_id=article.pk,
                defaults={
                    "embedder": embedding.embedder_name(embedder)[:200],
                    "text_hash": digest,
                    "vector": np.asarray(computed.embedding, dtype=np.float32).tobytes(),
                    "entities": sorted(computed.entities),
                },
            )
            found[article.pk] = computed
    return found


# --- candidates ----------------------------------------------------------------------------------


def candidate_stories(
    article: ArticleSignals, *, exclude_article: int, params: RelateParams
) -> list[StorySummary]:
    """Stories seen within the window around the article, by their members' stored signals."""
    return window_candidates(article, exclude_article=exclude_article, params=params)[0]


def window_candidates(
    article: ArticleSignals, *, exclude_article: int, params: RelateParams
) -> tuple[list[StorySummary], EntityRarity]:
    """``candidate_stories`` and how rare each name is among all the window's members read.

    ``relate.decide`` sees the closest stories only; counted over those, the names they share
    with the article would look common. The rarity is counted over every row read instead, as
    the benchmark's clusterer counts it over every article of the window.
    """
    window = dt.timedelta(days=params.window_days)
    published = article.published
    in_window = Story.objects.filter(last_seen__gte=published - window, first_seen__lte=published + window)
    story_ids = list(in_window.values_list("pk", flat=True))
    if not story_ids:
        return [], EntityRarity.of([])
    rows = list(
        StoryMembership.objects.filter(
            story_id__in=story_ids,
            article__relate_signals__isnull=False,
            article__published_at__gte=published - window,
            article__published_at__lte=published + window,
        )
        .exclude(article_id=exclude_article)
        .order_by("-article__published_at", "-article_id")
        .values_list(
            "story_id",
            "article_id",
            "article__source_language",
            "article__published_at",
            "article__minhash",
            "article__relate_signals__vector",
            "article__relate_signals__entities",
        )[:MAX_MEMBER_ROWS]
    )
    if not rows:
        return [], EntityRarity.of([])
    vectors = np.stack([np.frombuffer(bytes(r[5]), dtype=np.float32) for r in rows])
    if vectors.shape[1] != article.embedding.shape[0]:
        return [], EntityRarity.of([])  # signals of another model: a rebuild embeds them again
    rarity = EntityRarity(len(rows), Counter(entity for row in rows for entity in set(row[6] or ())))
    similarity = vectors @ np.asarray(article.embedding, dtype=np.float32)
    best: dict[int, float] = {}
    for row, score in zip(rows, similarity, strict=True):
        best[row[0]] = max(best.get(row[0], -1.0), float(score))
    # Many stories in the window: the ones whose closest member is closest go to relate.decide.
    kept = set(sorted(best, key=lambda s: best[s], reverse=True)[:MAX_CANDIDATES])
    members: dict[int, list[tuple[float, ArticleSignals]]] = {}
    for (story_id, article_id, language, when, minhash, _vector, entities), vector in zip(
        rows, vectors, strict=True
    ):
        if story_id not in kept:
            continue
        signals = ArticleSignals(
            key=str(article_id),
            language=language,
            published=when,
            embedding=vector,
            minhash=bytes(minhash or b""),
            entities=frozenset(entities or ()),
        )
        distance = abs((when - published).total_seconds())
        members.setdefault(story_id, []).append((distance, signals))
    summaries = [
        StorySummary(
            key=str(story_id),
            members=[s for _, s in sorted(found, key=lambda item: item[0])[:MEMBERS_PER_STORY]],
        )
        for story_id, found in sorted(members.items())
    ]
    return summaries, rarity


# --- the online step -----------------------------------------------------------------------------


def assign_article(
    article: Article,
    *,
    embedder: Embedder | None = None,
    params: RelateParams | None = None,
    signals: ArticleSignals | None = None,
) -> Assignment:
    """Put ``article`` in its story (or a new one), unless an editor or a pin decided already."""
    params = params or RelateParams()
    with transaction.atomic():
        membership = (
            StoryMembership.objects.select_for_update(
                of=("self",)
            )  # the story may be NULL: lock the membership only
            .select_related("story")
            .filter(article=article)
            .first()
        )
        if membership is not None and membership.by_editor:
            return Assignment(
                article.pk, "kept: editor", membership.story_id, membership.score, membership.reason
            )
        if signals is None:
            signals = article_signals(article, embedder or embedding.default_embedder())
        if membership is not None and membership.story is not None and membership.story.pinned:
            _refresh_seen(membership.story)
            return Assignment(
                article.pk, "kept: pinned", membership.story_id, membership.score, membership.reason
            )
        if signals is None:
            return Assignment(article.pk, "no original", membership.story_id if membership else None)
        candidates, rarity = window_candidates(signals, exclude_article=article.pk, params=params)
        decision = relate.decide(signals, candidates, params, rarity)
        # A republished copy and its original are one story, whatever the texts' similarity.
        linked_story = republication_story_id(article)
        if linked_story is not None:
            decision = relate.Decision(
                str(linked_story), 1.0, "republication (original and republished copy)"
            )
        current = membership.story if membership is not None else None
        if decision.story_key is not None:
            story = Story.objects.get(pk=int(decision.story_key))
        elif current is not None and not current.memberships.exclude(article=article).exists():
            story = current  # alone in its story already: keep that story rather than make another
        else:
            story = Story.objects.create(first_seen=article.published_at, last_seen=article.published_at)
        reason = decision.reason[:300]
        if membership is None:
            StoryMembership.objects.create(
                article=article, story=story, score=decision.score, reason=reason, assigned_by=AUTO
            )
            action = "joined" if decision.story_key is not None else "new story"
        else:
            unchanged = membership.story_id == story.pk
            membership.story, membership.score, membership.reason = story, decision.score, reason
            membership.save(update_fields=["story", "score", "reason", "updated_at"])
            action = (
                "unchanged" if unchanged else ("moved" if decision.story_key is not None else "new story")
            )
        merged: int | None = None
        if decision.story_key is not None and decision.merge_with is not None:
            found = _merge_found(story, int(decision.merge_with), decision.reason)
            if found is not None:
                story, merged = found
        _refresh_seen(story)
        if current is not None and current.pk not in {story.pk, merged}:
            _tidy(current)
        return Assignment(article.pk, action, story.pk, decision.score, reason, merged)


def _editors_story(story: Story) -> bool:
    """Whether an editor pinned, named or arranged the story: the relate stage may not empty it."""
    return story.pinned or bool(story.labels) or story.memberships.filter(assigned_by=EDITOR).exists()


def _merge_found(joined: Story, other_id: int, reason: str) -> tuple[Story, int] | None:
    """Empty one of two stories the relate stage found to be one into the other: (kept, emptied id).

    The one that started later goes, unless it is an editor's; None when both are (editors'
    memberships are never moved) or the other story is gone.
    """
    other = Story.objects.select_for_update().filter(pk=other_id).first()
    if other is None or other.pk == joined.pk:
        return None
    _refresh_seen(joined)
    earlier, later = sorted((joined, other), key=lambda s: (s.first_seen or s.created_at, s.pk))
    movable = [s for s in (later, earlier) if not _editors_story(s)]
    if not movable:
        return None
    gone = movable[0]
    kept = earlier if gone is later else later
    note = f"merged into story {kept.pk} from story {gone.pk}: {reason}"[:300]
    gone_id = gone.pk
    gone.memberships.filter(assigned_by=AUTO).update(story=kept, reason=note, updated_at=timezone.now())
    _tidy(gone)
    return kept, gone_id


def _refresh_seen(story: Story) -> None:
    """first_seen/last_seen from the story's members' publication times."""
    span = story.memberships.aggregate(first=Min("article__published_at"), last=Max("article__published_at"))
    if (story.first_seen, story.last_seen) != (span["first"], span["last"]):
        story.first_seen, story.last_seen = span["first"], span["last"]
        story.save(update_fields=["first_seen", "last_seen", "modified_at"])


def _tidy(story: Story) -> None:
    """A story left without members goes, unless an editor pinned or named it; else its span is updated."""
    if not story.memberships.exists() and not story.pinned and not story.labels:
        story.delete()
    else:
        _refresh_seen(story)


# --- editors -------------------------------------------------------------------------------------


def _memberships(articles: Iterable[Article | int]) -> list[StoryMembership]:
    ids = [a if isinstance(a, int) else a.pk for a in articles]
    existing = {
        m.article_id: m
        for m in StoryMembership.objects.select_for_update(of=("self",)).filter(article_id__in=ids)
    }
    for article_id in ids:
        if article_id not in existing:
            existing[article_id] = StoryMembership(article_id=article_id)
    return [existing[i] for i in dict.fromkeys(ids)]


def _place(memberships: Iterable[StoryMembership], story: Story | None, reason: str) -> set[int]:
    """Record an editor's decision for each membership; returns the stories they left."""
    left: set[int] = set()
    for membership in memberships:
        if membership.story_id is not None and (story is None or membership.story_id != story.pk):
            left.add(membership.story_id)
        membership.story = story
        membership.assigned_by = EDITOR
        membership.reason = reason
        membership.score = 1.0 if story is not None else 0.0
        membership.save()
    return left


def _tidy_ids(story_ids: Iterable[int]) -> None:
    for story in Story.objects.filter(pk__in=list(story_ids)):
        _tidy(story)


@transaction.atomic
def merge_stories(stories: Sequence[Story], into: Story | None = None) -> Story:
    """One story from several: every member is the editor's now; labels and the pin carry over."""
    if not stories:
        raise ValueError("choose at least two stories to merge")
    target = into or max(
        stories, key=lambda s: (s.pinned, s.memberships.count(), -(s.first_seen or s.created_at).timestamp())
    )
    others = [s for s in stories if s.pk != target.pk]
    labels: dict[str, str] = {}
    for story in [*others, target]:  # the target's own labels win
        labels.update(story.labels or {})
    target.labels = labels
    target.pinned = any(s.pinned for s in stories)
    target.save(update_fields=["labels", "pinned", "modified_at"])
    members = StoryMembership.objects.select_for_update(of=("self",)).filter(story__in=[target, *others])
    _place(members, target, "merged by an editor")
    Story.objects.filter(pk__in=[s.pk for s in others]).delete()
    _refresh_seen(target)
    return target


@transaction.atomic
def split_story(articles: Sequence[Article | int], labels: dict[str, str] | None = None) -> Story:
    """Move ``articles`` out of their story into a new one. Both sides are the editor's decision now,
    so the online step will not put them back together."""
    moving = _memberships(articles)
    if not moving:
        raise ValueError("choose the articles to split off")
    origins = {m.story_id for m in moving if m.story_id is not None}
    first = min(
        Article.objects.filter(pk__in=[m.article_id for m in moving]).values_list("published_at", flat=True)
    )
    story = Story.objects.create(labels=labels or {}, first_seen=first, last_seen=first)
    _place(moving, story, "split off by an editor")
    staying = StoryMembership.objects.select_for_update(of=("self",)).filter(
        story_id__in=origins, assigned_by=AUTO
    )
    staying.update(assigned_by=EDITOR, reason="kept when an editor split the story")
    _tidy_ids(origins)
    _refresh_seen(story)
    return story


@transaction.atomic
def move_to_story(articles: Sequence[Article | int], story: Story) -> None:
    """Put ``articles`` in ``story`` (an editor's decision)."""
    left = _place(_memberships(articles), story, f"moved by an editor to story {story.pk}")
    _tidy_ids(left)
    _refresh_seen(story)


@transaction.atomic
def detach_articles(articles: Sequence[Article | int]) -> None:
    """Take ``articles`` out of their stories for good: they stay in none (until an editor says otherwise)."""
    _tidy_ids(_place(_memberships(articles), None, "detached by an editor"))


def release_articles(
    articles: Sequence[Article | int], *, embedder: Embedder | None = None
) -> list[Assignment]:
    """Hand ``articles`` back to the relate stage (an editor's undo) and assign them now."""
    ids = [a if isinstance(a, int) else a.pk for a in articles]
    StoryMembership.objects.filter(article_id__in=ids).update(
        assigned_by=AUTO, reason="released by an editor"
    )
    return [
        assign_article(a, embedder=embedder)
        for a in Article.objects.filter(pk__in=ids).order_by("published_at", "pk")
    ]


# --- rebuild -------------------------------------------------------------------------------------


@dataclass
class RebuildSummary:
    articles: int = 0
    new_stories: int = 0
    joined: int = 0
    kept_editor: int = 0
    kept_pinned: int = 0
    without_original: int = 0
    merged_stories: int = 0  # stories the relate stage found to be one with another

    def count(self, assignment: Assignment) -> None:
        self.articles += 1
        self.merged_stories += assignment.merged_story is not None
        if assignment.action == "new story":
            self.new_stories += 1
        elif assignment.action in {"joined", "moved", "unchanged"}:
            self.joined += 1
        elif assignment.action == "kept: editor":
            self.kept_editor += 1
        elif assignment.action == "kept: pinned":
            self.kept_pinned += 1
        else:
            self.without_original += 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def rebuild(
    since: dt.datetime | None = None,
    *,
    embedder: Embedder | None = None,
    params: RelateParams | None = None,
    on_progress: Callable[[Assignment], None] | None = None,
) -> RebuildSummary:
    """Assign every article published at or after ``since`` (all when None) again, oldest first.

    The relate stage's own memberships of those articles are dropped first and the articles stream
    through the online step in publication order, as they would have arrived. Editors' memberships
    and pinned stories are kept. Safe to interrupt: running it again finishes the job.
    """
    embedder = embedder or embedding.default_embedder()
    selected = Article.objects.order_by("published_at", "pk")
    if since is not None:
        selected = selected.filter(published_at__gte=since)
    with transaction.atomic():
        dropped = StoryMembership.objects.filter(article__in=selected, assigned_by=AUTO).exclude(
            story__pinned=True
        )
        left = set(dropped.exclude(story=None).values_list("story_id", flat=True))
        dropped.delete()
        _tidy_ids(left)
        # Stories emptied some other way (their articles deleted) go too, unless an editor kept them.
        Story.objects.filter(memberships=None, pinned=False, labels={}).delete()
    summary = RebuildSummary()
    ids = list(selected.values_list("pk", flat=True))
    for start in range(0, len(ids), EMBED_BATCH):
        batch = list(
            Article.objects.filter(pk__in=ids[start : start + EMBED_BATCH]).order_by("published_at", "pk")
        )
        computed = signals_for(batch, embedder)
        for article in batch:
            assignment = assign_article(
                article, embedder=embedder, params=params, signals=computed.get(article.pk)
            )
            summary.count(assignment)
            if on_progress is not None:
                on_progress(assignment)
    return summary

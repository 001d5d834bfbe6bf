"""Scale data: N generated articles in three languages, so pages, search and the admin can be measured.

``kabar bench-data --articles N [--seed S] [--append] [--no-index]`` writes, in batches of
``bulk_create``:

* six fictional outlets (``*.example``), two per language, with their authors;
* the seven sections of the search benchmark, named in vi, en and id;
* N articles, each an original in one language (vi, en, id in turn, with an outlet of that
  language) and translations into the other two: most machine-made (engine, model, route and QA
  as the translation service records them), some human, a few post-edited;
* bodies of varied length (briefs to long features) with headings, quotes, lists and links,
  drawn from the search benchmark's word lists (``kabar.bench.search``: common words often, most
  words rarely), so search over them behaves as in that benchmark;
* images by reference: a ``Media`` row with the outlet's URL, width, height, captions and credit,
  never a downloaded file (a lead image for most articles, an image in the body for some);
* stories: about a quarter of the articles, in groups of 2 to 8 from the same section and weeks;
* publication dates spread over six years (2020–2025), in order of id, as ingestion makes them;
  ``--append`` dates its articles after the newest one there, up to now.

The text is word salad with the shape of news, not news: it is for timing, never for reading.
Saving in bulk skips the signals that index a text for search and invalidate cached pages, so
the command makes every stored page stale (as ``kabar purge --all``) and rebuilds the search
index at the end (``kabar reindex``) unless ``--no-index``; stories are written directly
(the relate stage's embeddings are not computed). The same seed and N give the same articles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kabar.bench.search import LANGUAGES, SECTIONS, WORDS, _weights
from kabar.ingest.store import make_slug
from kabar.news.models import Article, ArticleText, Author, Media, Outlet, Section, Story
from kabar.stories.models import StoryMembership

BATCH = 500  # articles per transaction: 1,500 texts, about 3 MB of rows
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=6 * 365)

OUTLETS = (
    ("bench-song-hong", "Báo Sông Hồng", "vi"),
    ("bench-cao-nguyen", "Tin Cao Nguyên", "vi"),
    ("bench-mekong-times", "Mekong Times", "en"),
    ("bench-straits-ledger", "Straits Ledger", "en"),
    ("bench-nusantara", "Harian Nusantara Raya", "id"),
    ("bench-kabar-timur", "Kabar Timur", "id"),
)
SECTION_NAMES = {
    "thoi-su": {"vi": "Thời sự", "en": "News", "id": "Berita"},
    "kinh-te": {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"},
    "the-gioi": {"vi": "Thế giới", "en": "World", "id": "Dunia"},
    "the-thao": {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"},
    "cong-nghe": {"vi": "Công nghệ", "en": "Technology", "id": "Teknologi"},
    "suc-khoe": {"vi": "Sức khỏe", "en": "Health", "id": "Kesehatan"},
    "giao-duc": {"vi": "Giáo dục", "en": "Education", "id": "Pendidikan"},
}
assert set(SECTION_NAMES) == set(SECTIONS)

# Name parts people in each outlet's language commonly carry.
NAMES = {
    "vi": (
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"),
        ("Văn", "Thị", "Minh", "Thu", "Quốc", "Ngọc", "Hữu", "Thanh", "Đức", "Hải"),
        (
            "An",
            "Bình",
            "Châu",
            "Dũng",
            "Giang",
            "Hà",
            "Hùng",
            "Lan",
            "Linh",
            "Long",
            "Mai",
            "Nam",
            "Phương",
            "Quân",
            "Tâm",
            "Trang",
            "Tuấn",
            "Yến",
        ),
    ),
    "en": (
        (
            "Anna",
            "Ben",
            "Clare",
            "David",
            "Emma",
            "Frank",
            "Grace",
            "Henry",
            "Isla",
            "James",
            "Kate",
            "Liam",
            "Maya",
            "Noah",
            "Olivia",
            "Peter",
            "Ruth",
            "Sam",
        ),
        ("J.", "M.", "R.", "T."),
        (
            "Walker",
            "Hughes",
            "Patel",
            "Carter",
            "Nguyen",
            "Lim",
            "Tan",
            "Brooks",
            "Fisher",
            "Reid",
            "Shaw",
            "Wong",
            "Young",
            "Hart",
        ),
    ),
    "id": (
        (
            "Agus",
            "Budi",
            "Citra",
            "Dewi",
            "Eka",
            "Fajar",
            "Gita",
            "Hendra",
            "Indah",
            "Joko",
            "Kartika",
            "Lestari",
            "Made",
            "Nur",
            "Putri",
            "Rizki",
            "Sari",
            "Wahyu",
        ),
        ("Ayu", "Dwi", "Sri", "Tri"),
        (
            "Santoso",
            "Wijaya",
            "Saputra",
            "Hidayat",
            "Kurniawan",
            "Pratama",
            "Siregar",
            "Nasution",
            "Lubis",
            "Hakim",
            "Setiawan",
            "Rahman",
        ),
    ),
}
MT_MODELS = {
    (src, dst): f"opus-mt-{src}-{dst} (CTranslate2 int8)"
    for src in LANGUAGES
    for dst in LANGUAGES
    if src != dst
}
IMAGE_SIZES = ((1200, 800), (1600, 900), (1024, 683), (1280, 720), (800, 1200), (2048, 1365))

_CUM_WEIGHTS = {
    language: list(itertools.accumulate(_weights(len(words)))) for language, words in WORDS.items()
}


def sentence(rng: random.Random, language: str, low: int, high: int) -> str:
    """A sentence of the search benchmark's words (its Zipf-like skew), now and then with a number."""
    words = rng.choices(WORDS[language], cum_weights=_CUM_WEIGHTS[language], k=rng.randint(low, high))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), str(rng.randint(2, 2025)))
    return " ".join(words).capitalize()


def paragraph(rng: random.Random, language: str, link_host: str) -> str:
    text = ". ".join(sentence(rng, language, 6, 18) for _ in range(rng.randint(1, 4))) + "."
    if rng.random() < 0.12:  # inline markup, as extracted pages keep it
        words = text.split(" ")
        at = rng.randrange(max(1, len(words) - 3))
        tag = rng.choice(("strong", "em", "a"))
        start, end = (
            (f'<a href="https://{link_host}/tag/{rng.randint(1, 500)}">', "</a>")
            if tag == "a"
            else (
                f"<{tag}>",
                f"</{tag}>",
            )
        )
        words[at] = start + words[at]
        words[at + 2] = words[at + 2] + end
        text = " ".join(words)
    return text


def paragraph_count(rng: random.Random) -> int:
    """Briefs, standard stories and long features, in about the shares a news site publishes them."""
    kind = rng.random()
    if kind < 0.35:
        return rng.randint(2, 4)
    if kind < 0.8:
        return rng.randint(5, 10)
    return rng.randint(12, 25)


def body_blocks(
    rng: random.Random, language: str, paragraphs: int, link_host: str, quoted: str
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for number in range(paragraphs):
        if number and paragraphs >= 8 and number % 6 == 0:
            blocks.append({"type": "heading", "level": 2, "text": sentence(rng, language, 3, 7)})
        blocks.append({"type": "paragraph", "text": paragraph(rng, language, link_host)})
    if rng.random() < 0.15:
        blocks.insert(
            min(2, len(blocks)),
            {"type": "quote", "text": sentence(rng, language, 8, 20) + ".", "cite": quoted},
        )
    if rng.random() < 0.08:
        items = [sentence(rng, language, 3, 9) for _ in range(rng.randint(3, 6))]
        blocks.insert(len(blocks) // 2, {"type": "list", "ordered": False, "items": items})
    return blocks


@dataclass
class Cast:
    """The outlets, sections and authors articles are drawn from."""

    outlets_by_language: dict[str, list[Outlet]]
    sections: list[Section]
    authors_by_outlet: dict[int, list[Author]]


@dataclass
class StoryLine:
    """Stories being filled, one open per section; closed when full or ``window`` old.

    The window is a month, or longer where articles are sparse (a small N over six years), so
    stories have several members at any N.
    """

    window: dt.timedelta

    open: dict[int, tuple[Story, int]] = field(default_factory=dict)  # section id → (story, size wanted)
    sizes: dict[int, int] = field(default_factory=dict)  # story id → members so far
    touched: dict[int, Story] = field(default_factory=dict)


def ensure_cast(rng: random.Random) -> Cast:
    """The fictional outlets, sections and authors (reused on --append, created once)."""
    outlets_by_language: dict[str, list[Outlet]] = {language: [] for language in LANGUAGES}
    authors_by_outlet: dict[int, list[Author]] = {}
    for slug, name, language in OUTLETS:
        outlet, _ = Outlet.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "home_url": f"https://{slug.removeprefix('bench-')}.example/",
                "language": language,
                "licence": "Fictional outlet made by `kabar bench-data` for benchmarks.",
            },
        )
        outlets_by_language[language].append(outlet)
        authors = list(Author.objects.filter(outlet=outlet).order_by("pk"))
        if not authors:
            family, middle, given = NAMES[language]
            people: set[str] = set()
            while len(people) < rng.randint(15, 40):
                if language == "vi":
                    people.add(f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}")
                else:
                    people.add(
                        f"{rng.choice(family)} {rng.choice(given)}"
                        if rng.random() < 0.8
                        else f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"
                    )
            authors = Author.objects.bulk_create(
                Author(name=person, slug=f"{make_slug(person, max_length=60)}-{slug}", outlet=outlet)
                for person in sorted(people)
            )
        authors_by_outlet[outlet.pk] = authors
    sections = []
    for position, slug in enumerate(SECTIONS):
        section, _ = Section.objects.get_or_create(
            slug=slug, defaults={"names": SECTION_NAMES[slug], "position": position}
        )
        sections.append(section)
    return Cast(outlets_by_language, sections, authors_by_outlet)


@dataclass
class Planned:
    article: Article
    texts: list[ArticleText]
    media: list[Media]
    body_media: Media | None
    authors: list[Author]
    in_story: bool


def plan_article(rng: random.Random, number: int, when: dt.datetime, cast: Cast) -> Planned:
    original = LANGUAGES[number % 3]
    outlet = rng.choice(cast.outlets_by_language[original])
    section = rng.choice(cast.sections)
    staff = cast.authors_by_outlet[outlet.pk]
    byline = rng.random()
    authors = [] if byline < 0.1 else rng.sample(staff, 2 if byline > 0.85 else 1)
    quoted = rng.choice(NAMES[original][0]) + " " + rng.choice(NAMES[original][2])
    paragraphs = paragraph_count(rng)
    host = outlet.home_url.split("/")[2]
    texts, digest = [], hashlib.sha256()
    for language in (original, *(code for code in LANGUAGES if code != original)):
        title = sentence(rng, language, 5, 14)
        text = ArticleText(
            language=language,
            title=title,
            lead=sentence(rng, language, 15, 35) + ".",
            blocks=body_blocks(rng, language, paragraphs, host, quoted),
            slug=f"{make_slug(title, max_length=70)}-{number}",
            status=ArticleText.Status.ORIGINAL,
            qa_passed=None,
        )
        if language != original:
            kind = rng.random()
            text.translated_from = original
            if kind < 0.8 or kind >= 0.95:
                text.status = ArticleText.Status.MACHINE if kind < 0.8 else ArticleText.Status.POST_EDITED
                text.engine = "ctranslate2"
                text.model_version = MT_MODELS[(original, language)]
                text.route = f"{original}→{language}"
                text.qa_passed = True
            else:
                text.status = ArticleText.Status.HUMAN
        else:
            digest.update(f"{title}\n{text.lead}\n{text.blocks}".encode())
        texts.append(text)
    updated = when + dt.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.1 else None
    section_slug = section.slug
    article = Article(
        outlet=outlet,
        source_url=f"https://{host}/{section_slug}/{texts[0].slug}.html",
        source_language=original,
        section=section,
        published_at=when,
        updated_at=updated,
        content_hash=digest.hexdigest(),
    )
    media = []
    if rng.random() < 0.65:
        media.append(_image(rng, host, number, "lead", texts, outlet))
    body_media = _image(rng, host, number, "body", texts, outlet) if rng.random() < 0.15 else None
    if body_media is not None:
        media.append(body_media)
    return Planned(article, texts, media, body_media, authors, in_story=rng.random() < 0.25)


def _image(
    rng: random.Random, host: str, number: int, where: str, texts: list[ArticleText], outlet: Outlet
) -> Media:
    width, height = rng.choice(IMAGE_SIZES)
    return Media(
        url=f"https://{host}/images/{number}-{where}.jpg",
        width=width,
        height=height,
        captions={text.language: sentence(rng, text.language, 6, 16) + "." for text in texts},
        credit=outlet.name,  # the page adds "Photo:" in the reader's language
    )


def _dates(rng: random.Random, count: int, begin: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
    """``count`` publication times from ``begin`` to ``end``, rising with the article number."""
    step = (end - begin) / max(count, 1)
    jitter = max(1, int(step.total_seconds()))
    for number in range(count):
        yield begin + step * number + dt.timedelta(seconds=rng.randrange(jitter))


def write_batch(planned: list[Planned], stories: StoryLine, rng: random.Random) -> None:
    with transaction.atomic():
        articles = Article.objects.bulk_create([p.article for p in planned])
        if any(a.pk is None for a in articles):  # a database that cannot return ids from a bulk insert
            ids = dict(
                Article.objects.filter(source_url__in=[a.source_url for a in articles]).values_list(
                    "source_url", "pk"
                )
            )
            for article in articles:
                article.pk = ids[article.source_url]
        for p in planned:
            for item in p.media:
                item.article = p.article
        Media.objects.bulk_create([m for p in planned for m in p.media])
        texts = []
        for p in planned:
            for text in p.texts:
                text.article = p.article
                if p.body_media is not None:
                    m = p.body_media
                    at = min(2, len(text.blocks))
                    text.blocks.insert(
                        at,
                        {
                            "type": "image",
                            "src": m.url,
                            "caption": m.captions.get(text.language, ""),
                            "credit": m.credit,
                            "width": m.width,
                            "height": m.height,
                            "media": m.pk,
                        },
                    )
                texts.append(text)
        ArticleText.objects.bulk_create(texts)
        through = Article.authors.through
        through.objects.bulk_create(
            [through(article_id=p.article.pk, author_id=a.pk) for p in planned for a in p.authors]
        )
        memberships = []
        for p in planned:
            if not p.in_story or p.article.section_id is None:
                continue
            story = _story_for(p.article, stories, rng)
            memberships.append(
                StoryMembership(
                    article=p.article,
                    story=story,
                    score=round(rng.uniform(0.55, 0.95), 3),
                    reason="bench-data",
                )
            )
        StoryMembership.objects.bulk_create(memberships)


def _story_for(article: Article, stories: StoryLine, rng: random.Random) -> Story:
    section_id = article.section_id
    assert section_id is not None
    current = stories.open.get(section_id)
    if current is not None:
        story, wanted = current
        fresh = story.last_seen is not None and article.published_at - story.last_seen < stories.window
        if fresh and stories.sizes[story.pk] < wanted:
            stories.sizes[story.pk] += 1
            story.last_seen = article.published_at
            stories.touched[story.pk] = story
            return story
    story = Story.objects.create(first_seen=article.published_at, last_seen=article.published_at)
    stories.open[section_id] = (story, rng.randint(2, 8))
    stories.sizes[story.pk] = 1
    return story


def fill(articles: int, seed: int, *, on_progress: Callable[[int], None] = lambda _done: None) -> int:
    """Write ``articles`` articles after those already there; returns how many were written."""
    rng = random.Random(seed)
    cast = ensure_cast(random.Random(seed))
    first = Article.objects.count() + 1
    begin, end = START, START + SPAN
    latest = Article.objects.aggregate(latest=Max("published_at"))["latest"]
    if latest is not None:  # --append: newer than what is there, as the next ingestion would be
        begin, end = latest + dt.timedelta(minutes=1), max(timezone.now(), latest + dt.timedelta(hours=1))
    dates = _dates(random.Random(seed + 1), articles, begin, end)
    stories = StoryLine(window=max(dt.timedelta(days=30), (end - begin) / articles * 40))
    done = 0
    while done < articles:
        count = min(BATCH, articles - done)
        planned = [plan_article(rng, first + done + i, next(dates), cast) for i in range(count)]
        write_batch(planned, stories, rng)
        done += count
        if stories.touched:
            Story.objects.bulk_update(list(stories.touched.values()), ["last_seen"])
            stories.touched.clear()
        on_progress(done)
    if connection.vendor == "sqlite":
        # Bulk writes grow the write-ahead log to the size of the data; fold it in and cut it.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return done

"""Readers' comments for ``kabar demo``: a few in Vietnamese, English and Indonesian, one held.

The approved ones stand for comments a moderator let through earlier; the held one goes
through the real rules (a new commenter with a link) and waits in the moderation queue.
The demo's articles are older than ``KABAR_COMMENTS_CLOSE_DAYS``, so the demo's sections
keep their comments open (a ``SectionPolicy`` with 0 days: never closed).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kabar.comments import moderation
from kabar.comments.models import Comment, Commenter, SectionPolicy, WordRule
from kabar.news.models import Article, Section

# (article page slug at the outlet, language, name, email, text, reply to the nth comment of that article)
APPROVED: tuple[tuple[str, str, str, str, str, int | None], ...] = (
    (
        "le-hoi-den-long-tren-song-van",
        "vi",
        "Nguyễn Thu Hà",
        "thuha@example.com",
        "Năm ngoái tôi đi lễ hội này, đèn lồng trên sông đẹp lắm. Nhớ đến sớm vì rất đông.",
        None,
    ),
    (
        "le-hoi-den-long-tren-song-van",
        "vi",
        "Trần Minh",
        "tranminh@example.com",
        "Cảm ơn chị, năm nay tôi sẽ đưa cả nhà đi.",
        0,
    ),
    (
        "le-hoi-den-long-tren-song-van",
        "en",
        "Emma Clarke",
        "emma@example.com",
        "We went last year with the kids. The lanterns on the river were unforgettable.",
        None,
    ),
    (
        "le-hoi-den-long-tren-song-van",
        "id",
        "Putri Lestari",
        "putri@example.com",
        "Semoga tahun depan bisa ke sana. Ada info soal penginapan di dekat sungai?",
        None,
    ),
    (
        "metro-so-2-chay-thu-toan-tuyen",
        "vi",
        "Lê Văn Phúc",
        "phuc@example.com",
        "Mong tuyến này sớm chạy chính thức, đi làm sẽ đỡ kẹt xe nhiều.",
        None,
    ),
    (
        "metro-so-2-chay-thu-toan-tuyen",
        "en",
        "David Tan",
        "david@example.com",
        "Good news for commuters. Any word on when the line opens to the public?",
        None,
    ),
)
HELD = (
    "metro-so-2-chay-thu-toan-tuyen",
    "id",
    "Promo Tiket",
    "promo@example.com",
    "Tiket murah setiap hari! Cek www.tiket-murah.example sekarang.",
)
WORDS = (("lừa đảo", "suspect"), ("penipuan", "suspect"), ("scam", "suspect"), ("đồ ngu", "banned"))


def _article(slug: str) -> Article | None:
    return Article.objects.filter(source_url__endswith=f"/{slug}.html").first()


def _commenter(name: str, email: str) -> Commenter:
    commenter, _ = Commenter.objects.get_or_create(
        email=email, user=None, defaults={"name": name, "confirmed_at": timezone.now()}
    )
    return commenter


def load_demo_comments() -> int:
    """Add the demo's comments where their article has none yet; how many were added."""
    for section in Section.objects.all():
        SectionPolicy.objects.get_or_create(section=section, defaults={"close_after_days": 0})
    for word, kind in WORDS:
        WordRule.objects.get_or_create(word=word, defaults={"kind": kind})
    added = 0
    threads: dict[str, list[Comment]] = {}
    fresh = {slug for slug, *_ in APPROVED if (a := _article(slug)) is not None and not a.comments.exists()}
    start = timezone.now() - dt.timedelta(hours=len(APPROVED) + 1)
    for n, (slug, language, name, email, body, reply_to) in enumerate(APPROVED):
        article = _article(slug)
        if article is None or slug not in fresh:
            continue
        thread = threads.setdefault(slug, [])
        when = start + dt.timedelta(hours=n)
        thread.append(
            Comment.objects.create(
                article=article,
                language=language,
                commenter=_commenter(name, email),
                parent=thread[reply_to] if reply_to is not None else None,
                name=name,
                body=body,
                status=Comment.Status.APPROVED,
                created_at=when,
                decided_at=when,
            )
        )
        added += 1
    slug, language, name, email, body = HELD
    article = _article(slug)
    if article is not None and slug in fresh:
        commenter, _ = Commenter.objects.get_or_create(email=email, user=None, defaults={"name": name})
        held = Comment.objects.create(
            article=article,
            language=language,
            commenter=commenter,
            name=name,
            body=body,
            status=Comment.Status.UNCONFIRMED,
            ip="192.0.2.44",
        )
        moderation.settle(held, "post")  # a new commenter with a link: held
        added += 1
    return added

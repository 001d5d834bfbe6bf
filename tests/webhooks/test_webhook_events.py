"""Each newsroom change fires its webhook event exactly once, after commit, with the documented payload."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from factories import make_article, make_text  # type: ignore[import-not-found]

from kabar.news.models import Article, ArticleText
from kabar.news.signals import original_changed
from kabar.webhooks.models import AnnouncedText, Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(deferred_tasks: Any) -> Subscription:
    # Deliveries are queued on the deferring test backend and never sent: these tests look at events only.
    return Subscription.objects.create(name="Partner", url="https://partner.example/hook")


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """``with committed():`` runs what the block queued for after commit (as a real commit would)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sent(subscription: Subscription) -> list[tuple[str, str]]:
    """(event type, language) of every delivery made for ``subscription``, oldest first."""
    rows = Delivery.objects.filter(subscription=subscription).order_by("pk")
    return [(d.event_type, d.payload["data"]["language"]) for d in rows]


@pytest.fixture
def published_article(partner: Subscription, committed: Callable[[], Any]) -> Iterator[Article]:
    with committed():
        article = make_article(source_language="vi")
        make_text(article, "vi", title="Bão số 3 đổ bộ")
    assert sent(partner) == [("article.published", "vi")]
    Delivery.objects.all().delete()
    yield article


def test_the_first_published_text_fires_article_published_once_with_the_payload(
    partner: Subscription, committed: Callable[[], Any], settings: Any
) -> None:
    with committed():
        article = make_article(source_language="vi")
        original = make_text(article, "vi", title="Bão số 3 đổ bộ")
        original.save()  # saved twice in the same transaction: still one event
    (delivery,) = Delivery.objects.all()
    assert delivery.event_type == "article.published"
    assert delivery.event_id.startswith("msg_")
    body = delivery.payload
    assert body["type"] == "article.published" and body["timestamp"]
    data = body["data"]
    assert data["id"] == article.pk
    assert data["language"] == "vi" and data["languages"] == ["vi"]
    assert data["title"] == "Bão số 3 đổ bộ"
    assert data["api_url"] == f"{settings.SITE_URL}/api/v1/articles/{article.pk}"
    assert data["url"].startswith(settings.SITE_URL + "/vi/") and data["url"].endswith(f"/{original.slug}/")
    assert data["urls"] == {"vi": data["url"]}
    assert data["source_url"] == article.source_url


def test_nothing_fires_before_commit_or_for_a_rolled_back_save(
    partner: Subscription, committed: Callable[[], Any]
) -> None:
    article = make_article(source_language="vi")
    make_text(article, "vi")  # the test's transaction never commits: no on-commit work ran
    assert sent(partner) == []
    with committed():
        try:
            with transaction.atomic():
                other = make_article(source_language="vi")
                make_text(other, "vi")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert sent(partner) == []


def test_a_resave_or_a_qa_flag_fires_nothing(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    original = published_article.texts.get()
    with committed():
        original.save()
        original.qa_passed = True
        original.stale = False
        original.save()
    assert sent(partner) == []


def test_a_changed_original_fires_article_updated_once_however_it_is_reported(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    original = published_article.texts.get()
    with committed():
        # As ingestion does: the original saved, then original_changed sent after the commit.
        original.title = "Bão số 3 đổ bộ Quảng Ninh"
        original.save(update_fields=["title", "modified_at"])
        original_changed.send(sender=Article, article=published_article, created=False, changed_blocks=[])
    assert sent(partner) == [("article.updated", "vi")]
    (delivery,) = Delivery.objects.all()
    assert delivery.payload["data"]["title"] == "Bão số 3 đổ bộ Quảng Ninh"
    with committed():  # reported again with nothing new: nothing more
        original_changed.send(sender=Article, article=published_article, created=False, changed_blocks=[])
    assert len(sent(partner)) == 1


def test_a_change_made_by_queryset_update_is_caught_by_original_changed(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    with committed():
        ArticleText.objects.filter(article=published_article).update(lead="Một đoạn mở đầu mới.")
        original_changed.send(sender=Article, article=published_article, created=False, changed_blocks=None)
    assert sent(partner) == [("article.updated", "vi")]


def test_translations_fire_translation_published_when_published_and_republished(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    with committed():
        english = make_text(published_article, "en", title="Typhoon Yagi makes landfall", is_published=False)
    assert sent(partner) == []  # an unpublished translation (awaiting review) is not news yet
    with committed():
        english.is_published = True
        english.save()
    with committed():
        english.stale = True  # the original changed: a flag, not a new version
        english.save()
    with committed():
        english.blocks = [{"type": "paragraph", "text": "Re-translated after the correction."}]
        english.stale = False
        english.save()
    with committed():
        make_text(published_article, "id", title="Topan Yagi mendarat")
    assert sent(partner) == [
        ("translation.published", "en"),
        ("translation.published", "en"),
        ("translation.published", "id"),
    ]
    last = Delivery.objects.order_by("pk").last()
    assert last is not None
    data = last.payload["data"]
    assert data["languages"] == ["en", "id", "vi"]
    assert data["status"] == "machine" and data["translated_from"] == "vi"
    assert set(data["urls"]) == {"en", "id", "vi"}
    assert data["url"] == data["urls"]["id"]


def test_a_translation_first_to_be_published_also_publishes_the_article(
    partner: Subscription, committed: Callable[[], Any]
) -> None:
    with committed():
        article = make_article(source_language="vi")
        make_text(article, "vi", is_published=False)
        make_text(article, "en", title="Only in English for now")
    # article.published names the text that is out: the original is not published yet.
    assert sent(partner) == [("article.published", "en"), ("translation.published", "en")]


def test_no_payload_carries_an_unpublished_text(partner: Subscription, committed: Callable[[], Any]) -> None:
    # The original is held back (being checked) while its translation is out: subscribers get the
    # translation's title and URL, never the unpublished original's words, and edits to the
    # unpublished original (which no reader sees) are not an article.updated.
    with committed():
        article = make_article(source_language="vi")
        original = make_text(article, "vi", title="Tin đồn chưa kiểm chứng", is_published=False)
        make_text(article, "en", title="Only in English for now")
    with committed():
        original.title = "Bản sửa vẫn chưa đăng"
        original.save()
    bodies = [str(d.payload) for d in Delivery.objects.order_by("pk")]
    assert sent(partner) == [("article.published", "en"), ("translation.published", "en")]
    assert not any("chưa kiểm chứng" in b or "vẫn chưa đăng" in b for b in bodies)
    published = Delivery.objects.get(event_type="article.published").payload["data"]
    assert published["title"] == "Only in English for now" and published["url"] == published["urls"]["en"]
    Delivery.objects.all().delete()
    with committed():  # the translation goes too, and the title of the unpublished original with it
        article.texts.filter(language="en").update(is_published=False)
        from kabar.webhooks.events import reconcile

        reconcile(article.pk)
    (gone,) = Delivery.objects.all()
    assert gone.event_type == "article.unpublished"
    assert gone.payload["data"]["title"] == "Only in English for now"
    assert "chưa" not in str(gone.payload)


def test_unpublishing_fires_once_when_the_last_published_text_goes(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    with committed():
        english = make_text(published_article, "en")
    Delivery.objects.all().delete()
    original = published_article.texts.get(language="vi")
    with committed():
        english.is_published = False
        english.save()
    assert sent(partner) == []  # the article is still published in Vietnamese
    with committed():
        original.is_published = False
        original.save()
        original.save()
    assert sent(partner) == [("article.unpublished", "vi")]
    (delivery,) = Delivery.objects.all()
    assert delivery.payload["data"]["languages"] == [] and delivery.payload["data"]["urls"] == {}
    assert delivery.payload["data"]["title"] == "Bão số 3 đổ bộ"  # the last title subscribers were given
    with committed():  # published again: it is news again
        original.is_published = True
        original.save()
    assert sent(partner)[-1] == ("article.published", "vi")


def test_deleting_a_published_article_fires_article_unpublished_once(
    published_article: Article, partner: Subscription, committed: Callable[[], Any]
) -> None:
    pk = published_article.pk
    with committed():
        make_text(published_article, "en")
    Delivery.objects.all().delete()
    with committed():
        published_article.delete()  # its two texts are deleted by cascade
    assert sent(partner) == [("article.unpublished", "vi")]
    (delivery,) = Delivery.objects.all()
    assert delivery.payload["data"]["id"] == pk
    assert delivery.payload["data"]["url"]  # the last URL it had
    assert not AnnouncedText.objects.filter(article_id=pk).exists()


def test_a_subscription_gets_only_its_events_and_a_disabled_one_none(
    partner: Subscription, committed: Callable[[], Any]
) -> None:
    translations_only = Subscription.objects.create(
        name="Translations", url="https://t.example/hook", events=["translation.published"]
    )
    disabled = Subscription.objects.create(name="Off", url="https://off.example/hook", active=False)
    with committed():
        article = make_article(source_language="vi")
        make_text(article, "vi")
        make_text(article, "en")
    assert sent(partner) == [("article.published", "vi"), ("translation.published", "en")]
    assert sent(translations_only) == [("translation.published", "en")]
    assert sent(disabled) == []
    # One event is one message: the same webhook-id for every subscription that receives it.
    ids = {d.event_id for d in Delivery.objects.filter(event_type="translation.published")}
    assert len(ids) == 1


def test_loaddata_records_texts_without_announcing_them(
    partner: Subscription, committed: Callable[[], Any]
) -> None:
    from django.utils import timezone

    with committed():
        article = make_article(source_language="vi")
        now = timezone.now()
        text = ArticleText(
            article=article,
            language="vi",
            title="T",
            slug="t-raw",
            status="original",
            created_at=now,
            modified_at=now,
        )
        text.save_base(raw=True)  # as loaddata saves: post_save says raw=True
    assert sent(partner) == []
    assert AnnouncedText.objects.filter(article_id=article.pk, published=True).exists()

"""The LibreTranslate engine against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_servers import Received, Reply, fake_translation, libretranslate

from kabar.core.errors import NotConfigured, StageError, TooLarge
from kabar.core.fetch.retry_after import retry_after_seconds
from kabar.core.translate.mt.libretranslate import LibreTranslateEngine
from kabar.hookspecs import MTEngine

pytestmark = pytest.mark.slow

SEGMENTS = ["Xin chào Hà Nội.", "Giá điện tăng.", "Học sinh trồng cây."]


def make(url: str, **options: object) -> tuple[LibreTranslateEngine, list[float]]:
    """An engine whose waits are recorded instead of slept."""
    waits: list[float] = []
    engine = LibreTranslateEngine(url=url, timeout=2, sleep=waits.append, **options)
    return engine, waits


def test_translates_a_batch_in_one_request(serve) -> None:
    server = serve(libretranslate())
    engine, _ = make(server.url, api_key="sekret")
    assert isinstance(engine, MTEngine)

    out = engine.translate(SEGMENTS, "vi", "en")

    assert out == [fake_translation(s, "vi", "en") for s in SEGMENTS]
    assert server.hits == 1
    sent = server.received[0].json
    assert sent == {"q": SEGMENTS, "source": "vi", "target": "en", "format": "text", "api_key": "sekret"}


def test_blank_segments_are_not_sent_and_big_batches_are_split(serve) -> None:
    server = serve(libretranslate())
    engine, _ = make(server.url, max_batch=2)
    segments = ["", *SEGMENTS, "  "]

    out = engine.translate(segments, "vi", "id")

    assert out == ["", *(fake_translation(s, "vi", "id") for s in SEGMENTS), "  "]
    assert [r.json["q"] for r in server.received] == [SEGMENTS[:2], SEGMENTS[2:]]


def test_a_single_string_answer_is_accepted_for_one_segment(serve) -> None:
    server = serve(lambda request, hit: Reply(json={"translatedText": "Hello"}))
    engine, _ = make(server.url)
    assert engine.translate(["Xin chào"], "vi", "en") == ["Hello"]


def test_pairs_come_from_the_server_once_or_from_settings(serve) -> None:
    server = serve(libretranslate({"vi": ["en"], "en": ["vi", "id"]}))
    engine, _ = make(server.url)

    assert engine.pairs() == {("vi", "en"), ("en", "vi"), ("en", "id")}
    assert engine.pairs() == {("vi", "en"), ("en", "vi"), ("en", "id")}
    assert [r.path for r in server.received] == ["/languages"]

    declared, _ = make(server.url, languages=["vi", "en"])
    assert declared.pairs() == {("vi", "en"), ("en", "vi")}
    assert server.hits == 1


def test_pairs_are_empty_while_the_server_is_down(serve) -> None:
    server = serve(lambda request, hit: Reply(status=500, json={"error": "boom"}))
    engine, _ = make(server.url, retries=0)
    assert engine.pairs() == set()


def test_wrong_number_of_translations_is_an_error(serve) -> None:
    server = serve(lambda request, hit: Reply(json={"translatedText": ["only one"]}))
    engine, _ = make(server.url)

    with pytest.raises(StageError, match="returned 1 translations for 3 segments") as err:
        engine.translate(SEGMENTS, "vi", "en")
    assert err.value.stage == "translate"
    assert server.hits == 1  # a wrong answer is not retried


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(body=b"<html>Bad Gateway</html>"), "not JSON"),
        (Reply(json={"translated": ["x", "y", "z"]}), "without a translatedText list"),
        (Reply(status=400, json={"error": "vi is not supported"}), "HTTP 400: vi is not supported"),
        (Reply(status=403, json={"error": "Invalid API key"}), "HTTP 403: Invalid API key"),
    ],
)
def test_garbage_and_refusals_fail_with_the_servers_reason(serve, reply: Reply, message: str) -> None:
    server = serve(lambda request, hit: reply)
    engine, _ = make(server.url)
    with pytest.raises(StageError, match=message):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 1


def test_429_with_retry_after_is_honoured_then_succeeds(serve) -> None:
    well = libretranslate()

    def busy_then_fine(request: Received, hit: int) -> Reply:
        if hit == 1:
            return Reply(status=429, json={"error": "Slowdown"}, headers={"Retry-After": "7"})
        return well(request, hit)

    server = serve(busy_then_fine)
    engine, waits = make(server.url)

    assert engine.translate(SEGMENTS, "vi", "en") == [fake_translation(s, "vi", "en") for s in SEGMENTS]
    assert server.hits == 2
    assert waits == [7.0]


def test_5xx_retries_are_bounded_with_backoff(serve) -> None:
    server = serve(lambda request, hit: Reply(status=503, json={"error": "overloaded"}))
    engine, waits = make(server.url, retries=3, backoff=0.5)

    with pytest.raises(StageError, match="HTTP 503 after 4 attempts"):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 4
    assert waits == [0.5, 1.0, 2.0]


def test_a_retry_after_longer_than_the_cap_gives_up_at_once(serve) -> None:
    server = serve(lambda request, hit: Reply(status=429, headers={"Retry-After": "3600"}, json={}))
    engine, waits = make(server.url, max_retry_wait=30)

    with pytest.raises(StageError, match="asked to retry after 3600s, longer than the 30s"):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 1 and waits == []


def test_a_server_that_does_not_answer_in_time_times_out_without_retry(serve) -> None:
    server = serve(lambda request, hit: Reply(json={"translatedText": ["late"]}, delay=5))
    engine = LibreTranslateEngine(url=server.url, timeout=0.2, sleep=lambda s: None)

    with pytest.raises(StageError, match=r"did not answer within 0.2s"):
        engine.translate(["Xin chào"], "vi", "en")
    assert server.hits == 1


def test_an_unreachable_server_is_retried_then_reported(serve) -> None:
    server = serve(libretranslate())
    url = server.url
    server.stop()  # nothing listens on the port any more
    engine, waits = make(url, retries=1)

    with pytest.raises(StageError, match="could not reach"):
        engine.translate(["Xin chào"], "vi", "en")
    assert len(waits) == 1


def test_settings_are_checked() -> None:
    with pytest.raises(NotConfigured, match="url"):
        LibreTranslateEngine()
    with pytest.raises(NotConfigured, match="format"):
        LibreTranslateEngine(url="http://127.0.0.1:9", format="markdown")
    engine = LibreTranslateEngine(url="http://127.0.0.1:9/", max_chars=10)
    assert engine.model_version == "libretranslate@127.0.0.1:9"
    with pytest.raises(TooLarge):
        engine.translate(["a much longer text than ten characters"], "vi", "en")


def test_retry_after_parsing() -> None:
    now = dt.datetime(2025, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Thu, 01 May 2025 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Thu, 01 May 2025 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None

"""The OpenAI-compatible chat engine against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import pytest
from fake_servers import Received, Reply, chat_reply, fake_translation, numbered_items, openai_chat

from kabar.core.errors import NotConfigured, StageError
from kabar.core.translate.mt.openai_chat import InvalidOutput, OpenAIChatEngine, parse_numbered
from kabar.hookspecs import MTEngine

pytestmark = pytest.mark.slow

SEGMENTS = ["Xin chào Hà Nội.", "Giá điện tăng ⟦1⟧10%⟦/1⟧.", "Học sinh trồng cây."]


def make(server_url: str, **options: object) -> tuple[OpenAIChatEngine, list[float]]:
    waits: list[float] = []
    engine = OpenAIChatEngine(
        url=server_url + "/v1", model="tiny-llm", timeout=2, sleep=waits.append, **options
    )
    return engine, waits


def expected(segments: list[str], source: str = "Vietnamese", target: str = "English") -> list[str]:
    return [fake_translation(s, source, target) for s in segments]


def test_translates_numbered_segments_and_maps_them_back(serve) -> None:
    server = serve(openai_chat())
    engine, _ = make(server.url, api_key="sk-local")
    assert isinstance(engine, MTEngine) and engine.honours_glossary

    out = engine.translate(SEGMENTS, "vi", "en")

    assert out == expected(SEGMENTS)
    assert server.hits == 1
    request = server.received[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-local"
    assert request.json["model"] == "tiny-llm" and request.json["temperature"] == 0
    system = request.json["messages"][0]["content"]
    assert "from Vietnamese to English" in system and "exactly 3 lines" in system and "<x1>" in system
    assert numbered_items(request) == SEGMENTS


def test_glossary_terms_used_in_the_batch_go_into_the_prompt(serve) -> None:
    server = serve(openai_chat())
    engine, _ = make(server.url)

    engine.translate(SEGMENTS, "vi", "en", glossary={"Hà Nội": "Hanoi", "Sài Gòn": "Saigon"})

    system = server.received[0].json["messages"][0]["content"]
    assert "Use these translations" in system and "- Hà Nội -> Hanoi" in system
    assert "Saigon" not in system  # not in this batch


def test_line_breaks_inside_a_segment_survive(serve) -> None:
    server = serve(openai_chat(lambda text, source, target: f"<{target}> {text}"))
    engine, _ = make(server.url)

    out = engine.translate(["Dòng một\nDòng hai", "Một dòng"], "vi", "en")

    assert numbered_items(server.received[0]) == ["Dòng một ⟦br⟧ Dòng hai", "Một dòng"]
    assert out == ["<English> Dòng một\nDòng hai", "<English> Một dòng"]


def test_blank_segments_are_kept_and_batches_are_split(serve) -> None:
    server = serve(openai_chat())
    engine, _ = make(server.url, max_batch=2)

    out = engine.translate(["", *SEGMENTS, "x", " "], "vi", "id")

    assert out == ["", *expected([*SEGMENTS, "x"], target="Indonesian"), " "]
    assert [numbered_items(r) for r in server.received] == [SEGMENTS[:2], [SEGMENTS[2], "x"]]


def test_a_preamble_is_rejected_and_the_model_asked_again(serve) -> None:
    well = openai_chat()

    def chatty_first(request: Received, hit: int) -> Reply:
        if hit == 1:
            return chat_reply("Here is the translation:\n" + "\n".join(f"{n}. ok" for n in range(1, 4)))
        return well(request, hit)

    server = serve(chatty_first)
    engine, _ = make(server.url)

    assert engine.translate(SEGMENTS, "vi", "en") == expected(SEGMENTS)
    assert server.hits == 2
    retry = server.received[1].json["messages"]
    assert retry[2]["role"] == "assistant" and retry[2]["content"].startswith("Here is the translation:")
    assert (
        "not a numbered translation" in retry[3]["content"]
        and "exactly 3 numbered lines" in retry[3]["content"]
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("1. one\n2. two", "2 numbered lines for 3 segments"),
        ("1. one\n2. two\n3. three\n4. four", "4 numbered lines for 3 segments"),
        ("1. one\n3. three\n2. two", "numbering goes 1 then 3"),
        ("1. one\n2.\n3. three", "line 2 of the answer is empty"),
        ("Je ne sais pas.", "not a numbered translation: 'Je ne sais pas.'"),
    ],
)
def test_unusable_answers_are_retried_a_bounded_number_of_times(serve, content: str, reason: str) -> None:
    server = serve(lambda request, hit: chat_reply(content))
    engine, _ = make(server.url, invalid_retries=2)

    with pytest.raises(StageError, match="no usable answer in 3 attempts") as err:
        engine.translate(SEGMENTS, "vi", "en")
    assert reason in err.value.reason
    assert server.hits == 3


def test_malformed_json_answers_fail_without_retry(serve) -> None:
    server = serve(lambda request, hit: Reply(json={"object": "error"}))
    engine, _ = make(server.url)
    with pytest.raises(StageError, match=r"without choices\[0\].message.content"):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 1


def test_a_truncated_answer_says_to_lower_the_batch(serve) -> None:
    server = serve(lambda request, hit: chat_reply("1. one\n2. tw", finish_reason="length"))
    engine, _ = make(server.url)
    with pytest.raises(StageError, match="cut off at its token limit; lower max_batch"):
        engine.translate(SEGMENTS, "vi", "en")


def test_thinking_and_code_fences_are_tolerated(serve) -> None:
    def thinker(request: Received, hit: int) -> Reply:
        items = numbered_items(request)
        lines = "\n".join(f"{n}) {t.upper()}" for n, t in enumerate(items, 1))
        return chat_reply(f"<think>\nThe user wants\n1. no\n</think>\n```\n{lines}\n```")

    server = serve(thinker)
    engine, _ = make(server.url)
    assert engine.translate(SEGMENTS, "vi", "en") == [s.upper() for s in SEGMENTS]


def test_429_with_retry_after_then_success(serve) -> None:
    well = openai_chat()

    def busy_first(request: Received, hit: int) -> Reply:
        if hit == 1:
            return Reply(status=429, json={"error": {"message": "slot busy"}}, headers={"Retry-After": "3"})
        return well(request, hit)

    server = serve(busy_first)
    engine, waits = make(server.url)

    assert engine.translate(SEGMENTS, "vi", "en") == expected(SEGMENTS)
    assert server.hits == 2 and waits == [3.0]


def test_server_errors_are_retried_then_reported_with_the_servers_message(serve) -> None:
    server = serve(lambda request, hit: Reply(status=500, json={"error": {"message": "model crashed"}}))
    engine, waits = make(server.url, retries=1, backoff=0.25)
    with pytest.raises(StageError, match="HTTP 500 after 2 attempts"):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 2 and waits == [0.25]

    refusing = serve(
        lambda request, hit: Reply(status=404, json={"error": {"message": "model 'x' not found"}})
    )
    engine, _ = make(refusing.url)
    with pytest.raises(StageError, match="HTTP 404: model 'x' not found"):
        engine.translate(SEGMENTS, "vi", "en")
    assert refusing.hits == 1


def test_a_slow_model_times_out(serve) -> None:
    server = serve(lambda request, hit: Reply(delay=5, json={}))
    engine = OpenAIChatEngine(url=server.url, timeout=0.2, sleep=lambda s: None)
    with pytest.raises(StageError, match="did not answer within 0.2s"):
        engine.translate(SEGMENTS, "vi", "en")
    assert server.hits == 1


def test_settings() -> None:
    with pytest.raises(NotConfigured, match="url"):
        OpenAIChatEngine(model="x")
    engine = OpenAIChatEngine(url="http://127.0.0.1:9/v1/chat/completions", languages=["vi", "en"], model="m")
    assert engine.url == "http://127.0.0.1:9/v1/chat/completions"
    assert engine.pairs() == {("vi", "en"), ("en", "vi")}
    assert engine.model_version.startswith("openai:m:prompt-")


def test_parse_numbered_keeps_a_segments_own_numbering() -> None:
    assert parse_numbered("1. 1. Do this\n2. 2) Then that", ["1. Làm", "2) Rồi"]) == [
        "1. Do this",
        "2) Then that",
    ]
    assert parse_numbered("1. \n2. b", ["", "b"]) == ["", "b"]
    with pytest.raises(InvalidOutput):
        parse_numbered("", ["a"])

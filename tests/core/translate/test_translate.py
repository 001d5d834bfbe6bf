import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import pytest
from lingua import Language, LanguageDetectorBuilder

from kabar.core.blocks import validate_blocks
from kabar.core.errors import StageTimeout, TooLarge
from kabar.core.translate.glossary import Glossary
from kabar.core.translate.mt.routing import Router
from kabar.core.translate.translate import (
    EngineFailed,
    InMemoryTM,
    TMKey,
    normalize_segment,
    translate_blocks,
    translate_documents,
)
from kabar.hookspecs import MTEngine

Transform = Callable[[str, str, str], str]


class FakeEngine:
    """Counts calls and applies ``transform`` to each segment."""

    name: ClassVar[str] = "fake"

    def __init__(
        self,
        pairs: set[tuple[str, str]],
        transform: Transform,
        *,
        version: str = "v1",
        max_batch: int = 16,
        honours_glossary: bool = False,
    ) -> None:
        self._pairs = pairs
        self.transform = transform
        self.version = version
        self.max_batch = max_batch
        self.honours_glossary = honours_glossary
        self.calls: list[tuple[list[str], str, str, Mapping[str, str] | None]] = []

    @property
    def model_version(self) -> str:
        return self.version

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs)

    def translate(
        self, segments: Sequence[str], source: str, target: str, glossary: Mapping[str, str] | None = None
    ) -> list[str]:
        self.calls.append((list(segments), source, target, glossary))
        return [self.transform(s, source, target) for s in segments]

    @property
    def sent(self) -> list[str]:
        return [s for segments, *_ in self.calls for s in segments]


def mark(text: str, source: str, target: str) -> str:
    """A stand-in translation: the text with the target language appended."""
    return f"{text} [{target}]"


def reverse_units(text: str, source: str, target: str) -> str:
    """Reverse the word order, moving tagged spans as a whole (like a language with another word order)."""
    return " ".join(reversed(re.findall(r"<x\d+>.*?</x\d+>\S*|\S+", text)))


def uppercase(text: str, source: str, target: str) -> str:
    return text.upper()


def router_with(engine: MTEngine, name: str = "fake") -> Router:
    return Router({name: engine}, {"*": [name]}, pivot="en")


BLOCKS = [
    {"type": "heading", "text": "Quan hệ Việt Nam – Triều Tiên", "level": 2},
    {
        "type": "paragraph",
        "text": 'Tổng Bí thư <a href="https://e.vn/x">Tô Lâm</a> đến Bình Nhưỡng. Ông ở lại 3 ngày.',
    },
    {"type": "image", "src": "/m/a.jpg", "caption": "Lễ đón đoàn.", "credit": "TTXVN"},
    {"type": "quote", "text": "Tình hữu nghị là tài sản quý.", "cite": "Tô Lâm"},
    {"type": "list", "items": ["Hợp tác kinh tế.", "Hợp tác văn hóa."]},
]


def test_translates_every_field_and_keeps_the_structure():
    engine = FakeEngine({("vi", "en")}, mark)
    result = translate_blocks(BLOCKS, "vi", "en", router=router_with(engine), memory=InMemoryTM())
    validate_blocks(result.blocks)
    assert result.blocks[0] == {"type": "heading", "text": "Quan hệ Việt Nam – Triều Tiên [en]", "level": 2}
    assert result.blocks[1]["text"] == (
        'Tổng Bí thư <a href="https://e.vn/x">Tô Lâm</a> đến Bình Nhưỡng. [en] Ông ở lại 3 ngày. [en]'
    )
    assert result.blocks[2] == {
        "type": "image",
        "src": "/m/a.jpg",
        "caption": "Lễ đón đoàn. [en]",
        "credit": "TTXVN",
    }
    assert result.blocks[3]["cite"] == "Tô Lâm"
    assert result.blocks[4]["items"] == ["Hợp tác kinh tế. [en]", "Hợp tác văn hóa. [en]"]
    assert not any("https://" in s for s in engine.sent)  # URLs never reach the engine
    assert result.route == "vi→en via fake:v1" and result.qa_passed
    assert [r.from_memory for r in result.segments] == [False] * 7


def test_second_translation_makes_no_engine_call():
    engine = FakeEngine({("vi", "en")}, mark)
    memory = InMemoryTM()
    first = translate_blocks(BLOCKS, "vi", "en", router=router_with(engine), memory=memory)
    assert first.engine_calls == 1 and len(memory) == 7
    second = translate_blocks(BLOCKS, "vi", "en", router=router_with(engine), memory=memory)
    assert second.engine_calls == 0 and len(engine.calls) == 1
    assert second.blocks == first.blocks
    assert all(r.from_memory for r in second.segments)


def test_editing_one_paragraph_retranslates_only_its_changed_sentences():
    engine = FakeEngine({("vi", "en")}, mark)
    memory = InMemoryTM()
    translate_blocks(BLOCKS, "vi", "en", router=router_with(engine), memory=memory)
    edited = [dict(b) for b in BLOCKS]
    edited[1]["text"] = BLOCKS[1]["text"].replace("3 ngày", "4 ngày")
    engine.calls.clear()
    result = translate_blocks(edited, "vi", "en", router=router_with(engine), memory=memory)
    assert engine.sent == ["Ông ở lại 4 ngày."]
    assert result.blocks[1]["text"].endswith("Ông ở lại 4 ngày. [en]")
    assert [r.from_memory for r in result.segments].count(False) == 1


def test_a_model_update_misses_the_old_entries():
    memory = InMemoryTM()
    translate_blocks(BLOCKS, "vi", "en", router=router_with(FakeEngine({("vi", "en")}, mark)), memory=memory)
    newer = FakeEngine({("vi", "en")}, mark, version="v2")
    result = translate_blocks(BLOCKS, "vi", "en", router=router_with(newer), memory=memory)
    assert result.engine_calls == 1 and result.route == "vi→en via fake:v2"


def test_the_same_sentence_is_translated_once_and_batches_respect_max_batch():
    engine = FakeEngine({("vi", "en")}, mark, max_batch=2)
    blocks = [
        {"type": "paragraph", "text": "Một. Hai. Một."},
        {"type": "paragraph", "text": "Ba. Bốn. Năm. Hai."},
        {"type": "paragraph", "text": "2025."},  # nothing to translate
    ]
    result = translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=InMemoryTM())
    assert sorted(engine.sent) == sorted(["Một.", "Hai.", "Ba.", "Bốn.", "Năm."])
    assert [len(segments) for segments, *_ in engine.calls] == [2, 2, 1]
    assert result.engine_calls == 3
    assert result.blocks[0]["text"] == "Một. [en] Hai. [en] Một. [en]"
    assert result.blocks[2]["text"] == "2025."


def test_pivot_route_is_used_and_recorded():
    vi_en = FakeEngine({("vi", "en")}, mark, version="opus-mt-vi-en@ab12")
    en_id = FakeEngine({("en", "id")}, mark, version="opus-mt-en-id@cd34")
    router = Router({"ct2-vi": vi_en, "ct2-id": en_id}, {"en": ["ct2-vi"], "id": ["ct2-id"]}, pivot="en")
    blocks = [{"type": "paragraph", "text": "Xin chào <em>Hà Nội</em>."}]
    result = translate_blocks(blocks, "vi", "id", router=router, memory=InMemoryTM())
    assert result.route == "vi→en→id via ct2-vi:opus-mt-vi-en@ab12, ct2-id:opus-mt-en-id@cd34"
    assert vi_en.calls[0][1:3] == ("vi", "en") and en_id.calls[0][1:3] == ("en", "id")
    assert en_id.sent == ["Xin chào <x1>Hà Nội</x1>. [en]"]  # the pivot text, tokens intact
    assert result.blocks[0]["text"] == "Xin chào <em>Hà Nội</em>. [en] [id]"
    assert result.engine_calls == 2 and result.plan.via == "en"


GLOSSARY = Glossary(
    entries={("vi", "en"): {"Tổng Bí thư": "General Secretary"}}, romanized={"Tô Lâm": "To Lam"}
)


@pytest.mark.parametrize("transform", [reverse_units, uppercase])
def test_markup_and_glossary_terms_survive_reordering_and_uppercasing(transform):
    engine = FakeEngine({("vi", "en")}, transform)
    blocks = [
        {
            "type": "paragraph",
            "text": 'Tổng Bí thư Tô Lâm gặp <a href="https://e.vn/k">ông Kim</a> ở <b>Bình Nhưỡng</b>.',
        }
    ]
    result = translate_blocks(
        blocks, "vi", "en", router=router_with(engine), glossary=GLOSSARY, memory=InMemoryTM()
    )
    text = result.blocks[0]["text"]
    assert "Tổng Bí thư" not in engine.sent[0] and "Tô Lâm" not in engine.sent[0]
    assert "General Secretary" in text and "To Lam" in text
    assert re.search(r'<a href="https://e.vn/k">(ông Kim|ÔNG KIM)</a>', text)
    assert re.search(r"<b>(Bình Nhưỡng\.?|BÌNH NHƯỠNG\.?)</b>", text)
    assert result.qa_passed, result.segments[0].issues
    if transform is reverse_units:
        assert (
            text == '<b>Bình Nhưỡng</b>. ở <a href="https://e.vn/k">ông Kim</a> gặp To Lam General Secretary'
        )


def test_engines_that_honour_the_glossary_get_the_terms_instead_of_placeholders():
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: t.replace("Tô Lâm", "To Lam"), honours_glossary=True)
    blocks = [{"type": "paragraph", "text": "Tô Lâm phát biểu."}]
    result = translate_blocks(
        blocks, "vi", "en", router=router_with(engine), glossary=GLOSSARY, memory=InMemoryTM()
    )
    assert engine.calls[0][0] == ["Tô Lâm phát biểu."]
    assert engine.calls[0][3] == {"Tô Lâm": "To Lam"}
    assert result.blocks[0]["text"] == "To Lam phát biểu." and result.qa_passed


def test_qa_failures_are_flagged_and_not_remembered():
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: re.sub(r"\d+", "", t))
    memory = InMemoryTM()
    blocks = [{"type": "paragraph", "text": "Ông ở lại 30 ngày. Trời đẹp."}]
    result = translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=memory)
    assert not result.qa_passed
    bad = [r for r in result.segments if r.has_errors]
    assert [r.source_text for r in bad] == ["Ông ở lại 30 ngày."]
    assert bad[0].issues[0].check == "numbers"
    assert len(memory) == 1  # only the clean sentence
    engine.calls.clear()
    translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=memory)
    assert engine.sent == ["Ông ở lại 30 ngày."]  # the failed one is tried again


def test_lost_placeholders_and_untranslated_text_are_flagged():
    detector = LanguageDetectorBuilder.from_languages(Language.VIETNAMESE, Language.ENGLISH).build()

    class Detector:
        def detect(self, text: str) -> str | None:
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else None

    echo_without_tags = FakeEngine({("vi", "en")}, lambda t, s, g: re.sub(r"</?x\d+/?>", "", t))
    blocks = [{"type": "paragraph", "text": "Đoàn đại biểu cấp cao đã đến <em>thủ đô</em> vào buổi sáng."}]
    result = translate_blocks(
        blocks, "vi", "en", router=router_with(echo_without_tags), memory=InMemoryTM(), detector=Detector()
    )
    checks = {issue.check for issue in result.segments[0].issues}
    assert checks == {"placeholders", "language"} and not result.qa_passed
    assert "<em>" not in result.blocks[0]["text"]  # half-restored markup is never emitted


def test_preferred_entries_win_over_machine_ones_whatever_the_engine():
    engine = FakeEngine({("vi", "en")}, mark)
    memory = InMemoryTM()
    blocks = [{"type": "paragraph", "text": "Xin   chào. Tạm biệt."}]
    memory.store([(TMKey.of("Xin chào.", "vi", "en", "an older route"), "Hello there.")], preferred=True)
    memory.store([(TMKey.of("Tạm biệt.", "vi", "en", "vi→en via fake:v1"), "Bye (machine).")])
    result = translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=memory)
    assert result.blocks[0]["text"] == "Hello there. Bye (machine)."
    assert result.engine_calls == 0


def test_normalized_keys():
    assert normalize_segment(" Xin\u00a0 chào \n") == "Xin chào"
    assert TMKey.of("Vie\u0302\u0323t", "vi", "en", "r").text == "Việt"


def test_engine_contract_violations_fail_clearly():
    short = FakeEngine({("vi", "en")}, mark)
    short.translate = lambda segments, *a, **k: []  # type: ignore[method-assign]
    with pytest.raises(EngineFailed, match="returned 0 outputs for 1 inputs"):
        translate_blocks(
            [{"type": "paragraph", "text": "Chào."}],
            "vi",
            "en",
            router=router_with(short),
            memory=InMemoryTM(),
        )

    def boom(text: str, source: str, target: str) -> str:
        raise ValueError("model file missing")

    with pytest.raises(EngineFailed, match="fake:v1 .* failed: ValueError: model file missing"):
        translate_blocks(
            [{"type": "paragraph", "text": "Chào."}],
            "vi",
            "en",
            router=router_with(FakeEngine({("vi", "en")}, boom)),
            memory=InMemoryTM(),
        )


def test_a_hanging_engine_times_out():
    release = threading.Event()
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: (release.wait(10), t)[1])
    try:
        with pytest.raises(StageTimeout, match=r"fake:v1 \(vi→en, 1 sentences\) did not answer in time"):
            translate_blocks(
                [{"type": "paragraph", "text": "Chào."}],
                "vi",
                "en",
                router=router_with(engine),
                memory=InMemoryTM(),
                timeout=0.2,
            )
    finally:
        release.set()


def test_size_caps():
    engine = FakeEngine({("vi", "en")}, mark)
    blocks = [{"type": "paragraph", "text": "Một. Hai. Ba."}]
    with pytest.raises(TooLarge, match="3 sentences, the limit is 2"):
        translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=InMemoryTM(), max_segments=2)
    with pytest.raises(TooLarge):
        translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=InMemoryTM(), max_chars=5)
    assert engine.calls == []


def test_an_empty_translation_keeps_the_source_sentence_and_fails_qa():
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: "" if "Hai" in t else t + " [en]")
    blocks = [{"type": "paragraph", "text": "Một câu. Hai câu."}]
    result = translate_blocks(blocks, "vi", "en", router=router_with(engine), memory=InMemoryTM())
    validate_blocks(result.blocks)
    assert result.blocks[0]["text"] == "Một câu. [en] Hai câu."
    assert [i.check for i in result.segments[1].issues] == ["empty"] and not result.qa_passed


def test_documents_share_engine_batches_and_sentences_and_get_their_own_results():
    engine = FakeEngine({("vi", "en")}, mark, max_batch=3)
    memory = InMemoryTM()
    first = [{"type": "heading", "text": "Tin nóng."}, {"type": "paragraph", "text": "Một. Hai."}]
    second = [{"type": "paragraph", "text": "Hai. Ba."}, {"type": "quote", "text": "Tin nóng.", "cite": "A"}]
    third = [{"type": "image", "src": "/m/b.jpg", "caption": "", "credit": ""}]  # nothing to translate

    results = translate_documents(
        [first, second, third], "vi", "en", router=router_with(engine), memory=memory
    )

    # "Hai." and "Tin nóng." are in both documents and go to the engine once; batches run across documents.
    assert sorted(engine.sent) == sorted(["Tin nóng.", "Một.", "Hai.", "Ba."])
    assert [len(segments) for segments, *_ in engine.calls] == [3, 1]
    assert [r.engine_calls for r in results] == [2, 0, 0]  # the total, counted once
    assert results[0].blocks == [
        {"type": "heading", "text": "Tin nóng. [en]"},
        {"type": "paragraph", "text": "Một. [en] Hai. [en]"},
    ]
    assert results[1].blocks == [
        {"type": "paragraph", "text": "Hai. [en] Ba. [en]"},
        {"type": "quote", "text": "Tin nóng. [en]", "cite": "A"},
    ]
    assert results[2].blocks == third and results[2].segments == []
    assert [[r.segment.block_index for r in result.segments] for result in results] == [
        [0, 1, 1],
        [0, 0, 1],
        [],
    ]
    assert [r.source_text for r in results[1].segments] == ["Hai.", "Ba.", "Tin nóng."]
    assert all(r.qa_passed and r.route == "vi→en via fake:v1" for r in results)
    assert len(memory) == 4  # one store for all

    again = translate_documents([second, first], "vi", "en", router=router_with(engine), memory=memory)
    assert len(engine.calls) == 2 and [r.engine_calls for r in again] == [0, 0]
    assert [r.blocks for r in again] == [results[1].blocks, results[0].blocks]


def test_a_qa_failure_in_one_document_leaves_the_others_passed():
    # Drops numbers: "30 ngày" loses its number, the other document has none to lose.
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: re.sub(r"\d+", "", t) + " [en]")
    memory = InMemoryTM()
    flawed = [{"type": "paragraph", "text": "Trời đẹp. Ông ở lại 30 ngày."}]
    clean = [{"type": "paragraph", "text": "Trời đẹp. Mưa to."}]

    bad, good = translate_documents([flawed, clean], "vi", "en", router=router_with(engine), memory=memory)

    assert (bad.qa_passed, good.qa_passed) == (False, True)
    assert [r.has_errors for r in bad.segments] == [False, True]
    assert not any(r.has_errors for r in good.segments)
    assert bad.segments[1].issues[0].check == "numbers"
    assert len(memory) == 2  # the clean sentences; the flawed one is tried again next time


def test_whole_text_checks_look_within_one_document():
    engine = FakeEngine({("vi", "en")}, lambda t, s, g: "Same words every time, of course.")
    first = [{"type": "paragraph", "text": "Câu thứ nhất."}]
    second = [{"type": "paragraph", "text": "Câu thứ hai."}]

    separate = translate_documents(
        [first, second], "vi", "en", router=router_with(engine), memory=InMemoryTM()
    )
    together = translate_blocks(
        [*first, *second], "vi", "en", router=router_with(engine), memory=InMemoryTM()
    )

    assert [r.qa_passed for r in separate] == [True, True]
    assert not together.qa_passed  # the same translation twice in a row, within one text


def test_no_documents_and_the_caps_cover_all_documents_together():
    engine = FakeEngine({("vi", "en")}, mark)
    router = router_with(engine)
    assert translate_documents([], "vi", "en", router=router, memory=InMemoryTM()) == []
    two = [[{"type": "paragraph", "text": "Một. Hai."}], [{"type": "paragraph", "text": "Ba."}]]
    with pytest.raises(TooLarge, match="2 texts have 3 sentences, the limit is 2"):
        translate_documents(two, "vi", "en", router=router, memory=InMemoryTM(), max_segments=2)
    with pytest.raises(TooLarge):
        translate_documents(
            two, "vi", "en", router=router, memory=InMemoryTM(), max_chars=10
        )  # each fits, not both
    assert engine.calls == []

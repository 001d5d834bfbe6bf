import pytest
from lingua import Language, LanguageDetectorBuilder

from kabar.core.translate.glossary import Glossary
from kabar.core.translate.qa import (
    QASegment,
    check_consecutive_repeats,
    check_empty,
    check_glossary,
    check_language,
    check_length,
    check_numbers,
    check_placeholders,
    check_repetition,
    run_qa,
    run_qa_many,
)


class LinguaDetector:
    """A real detector with the ``detect`` shape of kabar.core.text.language.LanguageDetector."""

    def __init__(self) -> None:
        self._lingua = LanguageDetectorBuilder.from_languages(
            Language.VIETNAMESE, Language.ENGLISH, Language.INDONESIAN
        ).build()

    def detect(self, text: str) -> str | None:
        found = self._lingua.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else None


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    return LinguaDetector()


def errors(issues):
    return [i for i in issues if i.severity == "error"]


def test_empty_output():
    assert errors(check_empty("Xin chào.", "  "))[0].check == "empty"
    assert check_empty("Xin chào.", "Hello.") == []
    assert check_empty("", "") == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Giá 10.000 đồng, tăng 3,5%.", "The price is 10,000 dong, up 3.5%."),
        ("Ngày 12/10/2025 ông đến.", "He arrived on 10/12/2025."),
        ("Pukul 10.00 WIB.", "At 10:00 WIB."),
        ("Ngày 16/4/2025.", "On April 16, 2025."),
        ("Sejak 10 Oktober 1945.", "Since October 10, 1945."),
    ],
)
def test_numbers_in_another_locale_format_pass(source, target):
    assert errors(check_numbers(source, target)) == []


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("Thành lập năm 1945.", "Founded in 1954.", "1945 is missing"),
        ("Có 50.000 căn nhà.", "There are 5,000 houses.", "50.000 is missing"),
        ("Ngày 12/10/2025.", "On 12/10/2024.", "12/10/2025"),
    ],
)
def test_changed_numbers_are_errors(source, target, message):
    found = errors(check_numbers(source, target))
    assert found and found[0].check == "numbers"
    assert message.split()[0] in found[0].message or "2025" in found[0].message


def test_scale_words_count_when_they_are_worth_the_same():
    assert check_numbers("10.000 căn hộ", "10 thousand apartments") == []
    assert check_numbers("3.500.000 người", "3,5 juta orang") == []
    assert check_numbers("3.500.000 người", "3.5 million people") == []
    assert errors(check_numbers("30.000 người", "3 thousand people"))


def test_lost_percent_signs_and_small_numbers_are_warnings():
    percent = check_numbers("Tăng 50%.", "Up 50.")
    assert [i.severity for i in percent] == ["warning"] and "percentage" in percent[0].message
    assert check_numbers("Tăng 50%.", "Naik 50 persen.") == []
    word = check_numbers("Có 2 người.", "There are two people.")
    assert [i.severity for i in word] == ["warning"]


def test_glossary_terms_must_appear():
    g = Glossary(romanized={"Tô Lâm": "To Lam"})
    assert check_glossary("Ông Tô Lâm nói.", "Mr To Lam said.", "vi", "en", g) == []
    issues = check_glossary("Ông Tô Lâm nói.", "Mr Lam said.", "vi", "en", g)
    assert [(i.check, i.severity) for i in issues] == [("glossary", "error")]


def test_untranslated_segment_is_caught_by_a_real_detector(detector):
    source = "Tổng Bí thư nhấn mạnh tầm quan trọng của quan hệ hữu nghị truyền thống."
    issues = check_language(source, "vi", "en", detector)
    assert [(i.check, i.severity) for i in issues] == [("language", "error")]
    translated = "The General Secretary stressed the importance of the traditional friendship."
    assert check_language(translated, "vi", "en", detector) == []


def test_short_and_name_heavy_segments_are_not_language_checked(detector):
    assert check_language("Xin chào bạn.", "vi", "en", detector) == []
    assert check_language("Kim Jong Un, Tô Lâm, Võ Văn Thưởng 2025", "vi", "en", detector) == []


@pytest.mark.parametrize(
    "target",
    [
        "The the the meeting was held.",
        "The meeting of the of the of the party.",
        "The delegation arrived in Pyongyang. The delegation arrived in Pyongyang.",
        "Of the, of the; OF THE party.",  # case and punctuation do not hide a loop
        "Mỹ mỹ MỸ đã đến.",
    ],
)
def test_decoder_loops_are_errors(target):
    issues = check_repetition("Đoàn đại biểu đã đến Bình Nhưỡng.", target)
    assert [(i.check, i.severity) for i in issues] == [("repetition", "error")]


def test_the_shortest_loop_is_named_and_near_misses_are_not_loops():
    (issue,) = check_repetition("Đoàn đã đến.", "a b a b a b c c c")
    assert issue.message == "'c' repeats in a loop"  # one word before two, wherever it is
    (issue,) = check_repetition("Đoàn đã đến.", "x y z w x y z w x y z w and on")
    assert issue.message == "'x y z w' repeats in a loop"
    assert check_repetition("Đoàn đã đến.", "the theme then the them the") == []  # whole words only
    assert check_repetition("Đoàn đã đến.", "a b c d e a b c d e a b c d e") == []  # five words: too long
    assert check_repetition("Đoàn đã đến.", "the the meeting the") == []  # twice is not a loop


def test_repetition_that_is_in_the_source_is_fine():
    assert check_repetition("Ha ha ha, ông cười.", "Ha ha ha, he laughed.") == []
    assert check_repetition("Đoàn đã đến.", "The delegation arrived.") == []


def test_same_translation_twice_in_a_row_for_different_sources():
    found = check_consecutive_repeats(["Câu một.", "Câu hai.", "Câu hai."], ["One.", "One.", "One."])
    assert [index for index, _ in found] == [1]  # the third repeats a repeated source: fine


def test_length_outliers():
    source = "Chuyến thăm diễn ra trong bối cảnh tình hình thế giới có nhiều biến động phức tạp."
    good = "The visit took place amid a complex and fast-changing world situation."
    assert check_length(source, good, "vi", "en") == []
    truncated = check_length(source, "The visit.", "vi", "en")
    assert [(i.check, i.severity) for i in truncated] == [("length", "error")]
    padded = check_length(source, " ".join([good] * 3), "vi", "en")
    assert [i.severity for i in padded] == ["warning"]
    assert (
        check_length("Xin chào.", "Hello to you, my very dear old friend.", "vi", "en") == []
    )  # too short to judge


def test_placeholders_must_all_come_back_once():
    assert check_placeholders("Ông <x1>Tô Lâm</x1> <g1/>", "<g1/> Mr <x1>To Lam</x1>") == []
    issues = check_placeholders("Ông <x1>Tô Lâm</x1> <g1/>", "Mr To Lam <g1/> <g1/>")
    assert {i.check for i in issues} == {"placeholders"}
    assert len(issues) == 2


def test_run_qa_reports_per_segment_and_passes_only_without_errors(detector):
    glossary = Glossary(romanized={"Tô Lâm": "To Lam"})
    segments = [
        QASegment("Ông <em>Tô Lâm</em> đến năm 2025.", "Mr <em>To Lam</em> came in 2025."),
        QASegment("Giá 10.000 đồng.", "Price 10,000 dong."),
    ]
    report = run_qa(segments, "vi", "en", glossary=glossary, detector=detector)
    assert report.passed and report.issues == []

    bad = [*segments, QASegment("Có 50 người.", "", sent="Có 50 người.", received="")]
    report = run_qa(bad, "vi", "en", glossary=glossary, detector=detector)
    assert not report.passed
    assert report.segments[0] == [] and report.segments[1] == []
    assert [i.check for i in report.segments[2]] == ["empty"]


def test_memory_segments_get_only_whole_text_checks():
    segments = [
        QASegment("Câu một.", "One.", from_memory=True),
        QASegment("Câu hai dài hơn nhiều so với bản dịch.", "One.", from_memory=True),
    ]
    report = run_qa(segments, "vi", "en")
    assert [i.check for i in report.issues] == ["repetition"]


class CountingDetector(LinguaDetector):
    """Counts how often each way of detecting is used."""

    def __init__(self) -> None:
        super().__init__()
        self.single: list[str] = []
        self.batches: list[list[str]] = []

    def detect(self, text: str) -> str | None:
        self.single.append(text)
        return super().detect(text)

    def detect_many(self, texts: list[str]) -> list[str | None]:
        self.batches.append(list(texts))
        return [super(CountingDetector, self).detect(t) for t in texts]


UNTRANSLATED = "Tổng Bí thư nhấn mạnh tầm quan trọng của quan hệ hữu nghị truyền thống."
SOURCE = "Tổng Bí thư nhấn mạnh tầm quan trọng của tình hữu nghị lâu đời."
GOOD = "The General Secretary stressed the importance of the traditional friendship."


def test_run_qa_many_checks_each_text_apart_with_one_detection_batch():
    detector = CountingDetector()
    first = [
        QASegment(SOURCE, GOOD),
        QASegment(UNTRANSLATED, UNTRANSLATED),  # the engine echoed it
    ]
    second = [
        QASegment("Câu khác hẳn.", UNTRANSLATED, from_memory=True),  # not checked: from memory
        QASegment(SOURCE, GOOD),  # in both texts: checked once
        QASegment("Có 50 người.", "Fifty came: 50.", sent="Có 50 người.", received="Fifty came: 50."),
    ]

    reports = run_qa_many([first, second], "vi", "en", detector=detector)

    assert detector.single == [] and detector.batches == [[GOOD, UNTRANSLATED]]  # "50 people": too short
    assert [r.passed for r in reports] == [False, True]
    assert reports[0].segments == [[], reports[0].segments[1]]
    assert [i.check for i in reports[0].segments[1]] == ["language"]
    # The first text ends with the translation the second begins with: texts are not compared.
    assert reports[1].segments == [[], [], []]
    assert reports == [
        run_qa(first, "vi", "en", detector=detector),
        run_qa(second, "vi", "en", detector=detector),
    ]


def test_a_detector_without_detect_many_is_asked_text_by_text(detector):
    report = run_qa(
        [QASegment(UNTRANSLATED, UNTRANSLATED), QASegment("Câu.", GOOD)], "vi", "en", detector=detector
    )
    assert [[i.check for i in issues] for issues in report.segments] == [["language"], []]

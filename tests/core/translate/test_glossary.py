import unicodedata

from kabar.core.text.placeholders import protect, restore
from kabar.core.translate.glossary import Glossary


def make_glossary() -> Glossary:
    return Glossary(
        entries={
            ("vi", "en"): {"Tổng Bí thư": "General Secretary", "Nhân dân": "People"},
            ("vi", "id"): {"Tổng Bí thư": "Sekretaris Jenderal"},
        },
        do_not_translate={"Báo Nhân dân", "Kim Jong Un"},
        romanized={"Tô Lâm": "To Lam"},
    )


def test_longest_term_wins_and_each_occurrence_gets_its_own_token():
    g = make_glossary()
    text, mapping = g.protect(
        "Báo Nhân dân viết: Tổng Bí thư Tô Lâm gặp Kim Jong Un; Nhân dân vui.", "vi", "en"
    )
    assert text == "<g1/> viết: <g2/> <g3/> gặp <g4/>; <g5/> vui."
    assert [p.open for p in mapping.placeholders] == [
        "Báo Nhân dân",
        "General Secretary",
        "To Lam",
        "Kim Jong Un",
        "People",
    ]


def test_romanized_names_follow_the_target_language():
    g = make_glossary()
    assert g.terms_in("Tổng Bí thư Tô Lâm", "vi", "en") == {
        "Tổng Bí thư": "General Secretary",
        "Tô Lâm": "To Lam",
    }
    assert g.terms_in("Tô Lâm", "vi", "vi") == {"Tô Lâm": "Tô Lâm"}
    # An Indonesian source writes the name without diacritics; Vietnamese gets them back.
    assert g.terms_in("Sekretaris Jenderal To Lam", "id", "vi") == {"To Lam": "Tô Lâm"}
    assert g.terms_in("Sekretaris Jenderal To Lam", "id", "en") == {"To Lam": "To Lam"}


def test_matching_is_case_sensitive_and_respects_unicode_word_boundaries():
    g = make_glossary()
    assert g.find("nhân dân và Tô Lâmm và XTô Lâm", "vi", "en") == []
    assert g.find("(Tô Lâm)", "vi", "en") == ["Tô Lâm"]
    decomposed = unicodedata.normalize("NFD", "ông Tô Lâm")
    assert g.find(decomposed, "vi", "en") == ["Tô Lâm"]


def test_markup_tokens_are_left_alone():
    g = Glossary(do_not_translate={"x1"})
    plain, markup = protect("<em>Tô Lâm</em> x1")
    text, mapping = g.protect(plain, "vi", "en")
    assert text == "<x1>Tô Lâm</x1> <g1/>"
    restored = g.restore(text, mapping)
    assert restored.problems == () and restored.text == "<x1>Tô Lâm</x1> x1"
    assert restore(restored.text, markup) == "<em>Tô Lâm</em> x1"


def test_restore_puts_target_forms_back_wherever_the_engine_moved_them():
    g = make_glossary()
    text, mapping = g.protect("Tổng Bí thư Tô Lâm phát biểu", "vi", "en")
    result = g.restore("<G2/> spoke, said the <g1/>", mapping)
    assert result.problems == ()
    assert result.text == "To Lam spoke, said the General Secretary"


def test_restore_reports_a_lost_term():
    g = make_glossary()
    _, mapping = g.protect("Tô Lâm phát biểu", "vi", "en")
    result = g.restore("He spoke", mapping)
    assert result.problems == ("placeholder <g1/> lost",)


def test_verify_flags_a_missing_target_form_only():
    g = make_glossary()
    source = "Tổng Bí thư Tô Lâm đọc Báo Nhân dân"
    assert g.verify(source, "General Secretary To Lam reads Báo Nhân dân", "vi", "en") == []
    # Sentence case does not count as a wrong term.
    assert g.verify("Tô Lâm", "TO LAM", "vi", "en") == []
    problems = g.verify(source, "Party chief Tô Lâm reads the People's Daily", "vi", "en")
    assert problems == [
        "glossary term 'Tổng Bí thư' should appear as 'General Secretary'",
        "glossary term 'Tô Lâm' should appear as 'To Lam'",
        "glossary term 'Báo Nhân dân' should appear as 'Báo Nhân dân'",
    ]


def test_empty_glossary_changes_nothing():
    g = Glossary()
    assert not g
    assert g.protect("Tô Lâm", "vi", "en")[0] == "Tô Lâm"
    assert g.verify("Tô Lâm", "", "vi", "en") == []

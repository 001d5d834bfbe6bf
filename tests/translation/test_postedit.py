"""apply_post_edit: what reaches the memory, and edits that race another writer of the same text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from translation_helpers import PHRASEBOOK, VI, store

from kabar.news.models import ArticleText
from kabar.translation import postedit
from kabar.translation.models import TMEntry
from kabar.translation.postedit import NotEditable, apply_post_edit, in_sync
from kabar.translation.services import translate_article

pytestmark = pytest.mark.django_db

EDITOR = "/admin/translation/postedit/{}/change/"
FARE = "Giá vé là 15.000 đồng."
BETTER_LEAD = "A person's better lead sentence about today."


def preferred_entries() -> set[tuple[str, str]]:
    return set(TMEntry.objects.filter(preferred=True).values_list("source_text", "target_text"))


@pytest.mark.parametrize("publish_anyway", [False, True])
def test_only_edited_segments_that_pass_qa_teach_the_memory(spy, outlet, admin_user, publish_anyway):
    text = translate_article(store(outlet, paragraphs=[FARE]), "en")
    fare = text.segments.get(source_text=FARE)
    lead = text.segments.get(field="lead")

    result = apply_post_edit(
        text,
        {fare.pk: "The fare is 12,000 dong.", lead.pk: BETTER_LEAD},
        editor=admin_user,
        publish_anyway=publish_anyway,
    )

    assert result.changed == 2 and result.qa_passed is False
    assert result.text.is_published is publish_anyway
    fare.refresh_from_db()
    assert fare.edited is True and fare.passed is False  # kept on the text, flagged, for the editor
    assert preferred_entries() == {(VI[11], BETTER_LEAD)}

    # The wrong number is not served to the next article with that sentence (a memory hit skips QA).
    spy.reset()
    later = translate_article(store(outlet, url="https://thu.example/later.html", paragraphs=[FARE]), "en")
    assert FARE in spy.inputs
    assert "12,000" not in later.blocks[0]["text"]


def during_qa(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], object]) -> None:
    """Run ``meanwhile`` once while apply_post_edit runs QA: after its checks, before it saves."""
    real_run_qa = postedit.run_qa
    fired = []

    def racing_run_qa(*args: Any, **kwargs: Any) -> Any:
        if not fired:
            fired.append(True)
            meanwhile()
        return real_run_qa(*args, **kwargs)

    monkeypatch.setattr(postedit, "run_qa", racing_run_qa)


def retranslate_during_qa(monkeypatch: pytest.MonkeyPatch, text: ArticleText) -> None:
    """A forced machine re-translation of ``text`` lands while the editor's QA runs."""
    during_qa(monkeypatch, lambda: translate_article(text.article, text.language, force=True))


def test_a_translation_that_replaced_the_segments_meanwhile_is_not_overwritten(
    spy, outlet, admin_user, monkeypatch
):
    text = translate_article(store(outlet), "en")
    lead = text.segments.get(field="lead")
    retranslate_during_qa(monkeypatch, text)

    with pytest.raises(NotEditable, match="changed while you were editing"):
        apply_post_edit(text, {lead.pk: BETTER_LEAD}, editor=admin_user)

    stored = ArticleText.objects.get(pk=text.pk)
    segments = list(stored.segments.order_by("position"))
    assert stored.status == ArticleText.Status.MACHINE and stored.editor is None
    assert stored.lead == PHRASEBOOK[("vi", "en", VI[11])]
    assert lead.pk not in {s.pk for s in segments}  # the re-translation's own segments stand
    assert in_sync(stored, segments)
    assert preferred_entries() == set()


def test_another_editor_s_save_meanwhile_is_not_overwritten(
    spy, outlet, admin_user, django_user_model, monkeypatch
):
    text = translate_article(store(outlet), "en")
    lead = text.segments.get(field="lead")
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    during_qa(
        monkeypatch,
        lambda: apply_post_edit(ArticleText.objects.get(pk=text.pk), {lead.pk: BETTER_LEAD}, editor=other),
    )

    with pytest.raises(NotEditable, match="changed while you were editing"):
        apply_post_edit(text, {lead.pk: "My own, different lead sentence for today."}, editor=admin_user)

    stored = ArticleText.objects.get(pk=text.pk)
    assert stored.lead == BETTER_LEAD and stored.editor == other
    assert stored.segments.get(pk=lead.pk).target_text == BETTER_LEAD
    assert preferred_entries() == {(VI[11], BETTER_LEAD)}


def test_the_editor_shows_the_race_instead_of_saving_stale_text(spy, outlet, admin_client, monkeypatch):
    from bs4 import BeautifulSoup

    text = translate_article(store(outlet), "en")
    page = BeautifulSoup(admin_client.get(EDITOR.format(text.pk)).content, "html.parser")
    data = {area["name"]: area.text.strip() for area in page.select("textarea")}
    lead = text.segments.get(field="lead")
    data[f"segment_{lead.pk}"] = BETTER_LEAD
    retranslate_during_qa(monkeypatch, text)

    response = admin_client.post(EDITOR.format(text.pk), data, follow=True)

    assert "changed while you were editing" in response.content.decode()
    stored = ArticleText.objects.get(pk=text.pk)
    assert stored.status == ArticleText.Status.MACHINE and stored.lead != BETTER_LEAD

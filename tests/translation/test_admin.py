"""The segment editor and the status matrix, through the admin with a real request cycle."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from translation_helpers import PHRASEBOOK, VI, store

from kabar.news.models import ArticleText, Section
from kabar.translation.models import SegmentRecord, TMEntry
from kabar.translation.services import translate_article, translate_article_outcome

pytestmark = pytest.mark.django_db

EDITOR = "/admin/translation/postedit/{}/change/"
MATRIX = "/admin/translation/matrix/"


def editor_form(admin_client: Client, text: ArticleText) -> dict[str, str]:
    page = BeautifulSoup(admin_client.get(EDITOR.format(text.pk)).content, "html.parser")
    return {area["name"]: area.text.strip() for area in page.select("textarea")}


def test_the_editor_shows_source_target_and_issues_side_by_side(spy, outlet, admin_client):
    text = translate_article(store(outlet), "en")
    response = admin_client.get(EDITOR.format(text.pk))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    rows = page.select("tr[data-segment]")
    records = list(text.segments.order_by("position"))
    assert [int(r["data-segment"]) for r in rows] == [r.pk for r in records]
    first = rows[0].find_all("td")
    assert VI[10] in first[0].text
    assert first[1].find("textarea").text.strip() == PHRASEBOOK[("vi", "en", VI[10])]
    assert page.find("input", {"name": "csrfmiddlewaretoken"}) is not None


def test_post_editing_publishes_under_review_and_teaches_the_memory(
    spy, outlet, admin_client, admin_user, settings
):
    settings.MT_PUBLISH = {"en": "review"}
    text = translate_article(store(outlet), "en")
    assert text.is_published is False
    lead = text.segments.get(field="lead")
    data = editor_form(admin_client, text)
    data[f"segment_{lead.pk}"] = "A person's better lead sentence about today."

    response = admin_client.post(EDITOR.format(text.pk), data)

    assert response.status_code == 302
    text.refresh_from_db()
    assert text.status == ArticleText.Status.POST_EDITED and text.editor == admin_user
    assert text.lead == "A person's better lead sentence about today."
    assert text.is_published is True and text.qa_passed is True
    assert SegmentRecord.objects.get(pk=lead.pk).edited is True
    human = TMEntry.objects.get(preferred=True)
    assert (human.source_text, human.target_text) == (VI[11], "A person's better lead sentence about today.")
    assert TMEntry.objects.filter(preferred=True).count() == 1  # unchanged segments are not "human"

    # A later article with the same sentence gets the person's wording, without asking the engine for it.
    spy.reset()
    later = store(outlet, url="https://thu.example/later.html", title=VI[90], lead=VI[11])
    outcome = translate_article_outcome(later, "en")
    assert outcome.text.lead == "A person's better lead sentence about today."
    assert VI[11] not in spy.inputs and VI[90] in spy.inputs


def test_editing_in_a_failing_number_keeps_the_text_held(spy, outlet, admin_client):
    sentence = "Giá vé là 15.000 đồng."
    text = translate_article(store(outlet, paragraphs=[sentence]), "en")
    record = text.segments.get(source_text=sentence)
    data = editor_form(admin_client, text)
    data[f"segment_{record.pk}"] = "The fare is 12,000 dong."

    admin_client.post(EDITOR.format(text.pk), data)

    text.refresh_from_db()
    assert text.status == ArticleText.Status.POST_EDITED and text.qa_passed is False and not text.is_published
    record.refresh_from_db()
    assert any(i["check"] == "numbers" for i in record.issues)
    data[f"segment_{record.pk}"] = "The fare is 15,000 dong."
    admin_client.post(EDITOR.format(text.pk), data)
    text.refresh_from_db()
    assert text.qa_passed is True and text.is_published is True


def test_markup_typed_into_the_editor_is_sanitised(spy, outlet, admin_client):
    text = translate_article(store(outlet), "en")
    title = text.segments.get(field="body", block_index=0, sentence_index=0)
    data = editor_form(admin_client, text)
    data[f"segment_{title.pk}"] = (
        "The <em>government</em> announced <script>alert(1)</script>a new plan today."
    )
    admin_client.post(EDITOR.format(text.pk), data)
    text.refresh_from_db()
    assert text.blocks[0]["text"].startswith("The <em>government</em> announced a new plan today.")
    assert "script" not in text.blocks[0]["text"]


def test_human_texts_are_not_in_the_editor(spy, outlet, admin_client):
    article = store(outlet)
    human = ArticleText.objects.create(article=article, language="en", title="T", slug="t", status="human")
    response = admin_client.get(EDITOR.format(human.pk))
    assert response.status_code == 302  # "doesn't exist" redirect to the queue


def test_the_editor_needs_a_csrf_token(spy, outlet, admin_user):
    text = translate_article(store(outlet), "en")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(EDITOR.format(text.pk), {}).status_code == 403


def cells(response) -> dict[tuple[int, str], str]:
    page = BeautifulSoup(response.content, "html.parser")
    found = {}
    for row in page.select("tr[data-article]"):
        for cell in row.select("td[data-lang]"):
            found[(int(row["data-article"]), cell["data-lang"])] = cell["data-state"]
    return found


def test_status_matrix_shows_each_cell_state(spy, outlet, admin_client):
    machine = store(outlet)
    translate_article(machine, "en")
    ArticleText.objects.create(
        article=machine, language="id", title="Judul", slug="judul", status="human", stale=True
    )
    flawed = store(
        outlet, url="https://thu.example/b.html", title=VI[40], paragraphs=["Dài 28 km và 19 điểm dừng."]
    )
    translate_article(flawed, "en")
    # Ingestion files an article only under a section that exists (or a mapping names).
    Section.objects.create(slug="kinh-te", names={"vi": "Kinh tế"})
    bare = store(outlet, url="https://thu.example/c.html", title=VI[41], section="Kinh tế")

    response = admin_client.get(MATRIX)

    assert response.status_code == 200
    assert cells(response) == {
        (machine.pk, "vi"): "original",
        (machine.pk, "en"): "machine",
        (machine.pk, "id"): "human stale",
        (flawed.pk, "vi"): "original",
        (flawed.pk, "en"): "machine qa-failed held",
        (flawed.pk, "id"): "missing",
        (bare.pk, "vi"): "original",
        (bare.pk, "en"): "missing",
        (bare.pk, "id"): "missing",
    }
    missing_en = cells(admin_client.get(MATRIX, {"status": "missing", "language": "en"}))
    assert missing_en == {(bare.pk, "en"): "missing"}
    assert {a for a, _ in cells(admin_client.get(MATRIX, {"status": "qa-failed"}))} == {flawed.pk}
    assert {a for a, _ in cells(admin_client.get(MATRIX, {"status": "stale"}))} == {machine.pk}
    economy = Section.objects.get(slug="kinh-te")
    assert {a for a, _ in cells(admin_client.get(MATRIX, {"section": economy.pk}))} == {bare.pk}


def test_bulk_translate_from_the_matrix_queues_tasks(spy, outlet, admin_client):
    first = store(outlet)
    second = store(outlet, url="https://thu.example/b.html", title=VI[42])
    human = store(outlet, url="https://thu.example/c.html", title=VI[43])
    ArticleText.objects.create(article=human, language="en", title="Mine", slug="mine", status="human")

    response = admin_client.post(
        f"{MATRIX}?status=missing", {"article": [first.pk, second.pk, human.pk], "target": "en"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{MATRIX}?status=missing"
    assert first.texts.get(language="en").status == "machine"
    assert second.texts.get(language="en").status == "machine"
    assert human.texts.get(language="en").title == "Mine"
    messages = [str(m) for m in response.context["messages"]]
    assert "Queued 2 translations to en." in messages
    assert any(m.startswith("Skipped 1") for m in messages)


def test_the_matrix_queues_only_what_a_translation_would_do(spy, outlet, admin_client):
    current = store(outlet)
    translate_article(current, "en")
    no_original = store(outlet, url="https://thu.example/b.html", title=VI[42])
    no_original.texts.filter(status="original").delete()
    fresh = store(outlet, url="https://thu.example/c.html", title=VI[43])
    chosen = {"article": [current.pk, no_original.pk, fresh.pk], "target": "en"}

    response = admin_client.post(MATRIX, chosen, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert "Queued 1 translation to en." in messages
    assert any(m.startswith("Skipped 1: the en machine translation is up to date") for m in messages)
    assert any(f"article {no_original.pk} has no original text" in m for m in messages)
    assert fresh.texts.get(language="en").status == "machine"

    forced = [
        str(m) for m in admin_client.post(MATRIX, {**chosen, "force": "on"}, follow=True).context["messages"]
    ]
    assert "Queued 2 translations to en." in forced

    # vi→id has no engine here (no en→id model for the pivot): said up front, with the engines.
    unroutable = admin_client.post(MATRIX, {"article": [fresh.pk], "target": "id"}, follow=True)
    [message] = [str(m) for m in unroutable.context["messages"]]
    assert message.startswith(f"Not queued (article {fresh.pk}): no MT engine translates vi→id")
    assert "Configured engines: " in message
    assert not fresh.texts.filter(language="id").exists()


def test_admin_index_links_the_translation_views(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert MATRIX in page and "/admin/translation/postedit/" in page
    assert "/admin/translation/glossaryterm/" in page and "/admin/translation/tmentry/" in page


def test_a_text_edited_elsewhere_is_not_overwritten_from_stale_segments(spy, outlet, admin_client):
    text = translate_article(store(outlet), "en")
    data = editor_form(admin_client, text)
    # An editor changes the words in the article admin instead (which keeps no segments).
    text.blocks[0]["text"] = "Words typed in the article admin."
    text.save()

    response = admin_client.post(EDITOR.format(text.pk), data)

    assert response.status_code == 200
    assert "changed outside the segment editor" in response.content.decode()
    text.refresh_from_db()
    assert text.blocks[0]["text"] == "Words typed in the article admin." and text.status == "machine"
    assert BeautifulSoup(response.content, "html.parser").select("textarea") == []

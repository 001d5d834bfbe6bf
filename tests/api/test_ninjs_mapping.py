"""What a partner reads in kabar's ninjs: the article, its languages, its source, MT and pictures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation
from ninjs_support import (
    ENGINE,
    LICENCE,
    MODEL_VERSION,
    compiled_messages,
    load,
    make_article,
    make_media,
    make_text,
    newsroom_article,
    validate,
)

from kabar.api.ninjs import (
    AUTHOR,
    CONTENT_SOURCE,
    TRAINED_ALGORITHMIC_MEDIA,
    item_uri,
    rfc3339,
    to_ninjs,
)
from kabar.news.models import ArticleText
from kabar.site.present import absolute

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(compiled_messages.__name__)]


def ninjs(text: ArticleText, version: int) -> dict[str, Any]:
    document = to_ninjs(load(text), version=version, absolute=absolute)
    validate(document, version)
    return document


def text_versions(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in document.get("associations", []) if a["type"] == "text"]


def pictures(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in document.get("associations", []) if a["type"] == "picture"]


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


@pytest.mark.parametrize("version", [2, 3])
def test_the_item_names_the_text_its_language_and_the_schema(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["en"], version)
    assert document["uri"] == item_uri(texts["en"], absolute)
    assert document["uri"].startswith("tag:") and document["uri"].endswith(f"/{texts['en'].article.pk}/en")
    assert document["type"] == "text"
    assert document["language"] == "en"
    assert document["headlines"] == [
        {"role": "main", document_key("contenttype", version): "text/plain", "value": texts["en"].title}
    ]
    assert document["standard"]["version"] == {2: "2.2", 3: "3.1"}[version]
    assert document[document_key("pubstatus", version)] == "usable"


def document_key(name_2x: str, version: int) -> str:
    names_3x = {
        "contenttype": "contentType",
        "pubstatus": "pubStatus",
        "firstcreated": "firstCreated",
        "versioncreated": "versionCreated",
        "infosources": "infoSources",
        "digitalsourcetype": "digitalSourceType",
        "altids": "altIds",
        "copyrightholder": "copyrightHolder",
        "usageterms": "usageTerms",
        "charcount": "charCount",
        "wordcount": "wordCount",
    }
    return name_2x if version == 2 else names_3x[name_2x]


def test_the_uri_is_stable_per_article_and_language_and_differs_between_them() -> None:
    texts = newsroom_article()
    uris = {lang: ninjs(text, 3)["uri"] for lang, text in texts.items()}
    assert len(set(uris.values())) == 3
    texts["en"].title = "Typhoon Yagi: corrected"
    texts["en"].slug = "typhoon-yagi-corrected"
    texts["en"].save()
    corrected = ninjs(texts["en"], 3)
    assert corrected["uri"] == uris["en"]  # a correction, a new slug: the same item
    assert ninjs(texts["en"], 2)["uri"] == uris["en"]  # and the same in both versions


def test_versions_and_timestamps_are_rfc3339_and_grow_with_a_change() -> None:
    published = dt.datetime(2026, 11, 30, 8, 15, 30, tzinfo=dt.UTC)
    texts = newsroom_article()
    article = texts["vi"].article
    article.published_at = published
    article.updated_at = None
    article.save()
    before = ninjs(texts["vi"], 2)
    assert before["firstcreated"] == "2026-11-30T08:15:30Z"
    assert before["versioncreated"] >= before["firstcreated"]
    article.updated_at = timezone.now() + dt.timedelta(hours=1)
    article.save()
    after = ninjs(texts["vi"], 2)
    assert int(after["version"]) > int(before["version"])
    assert after["versioncreated"] == rfc3339(article.updated_at)
    assert (
        rfc3339(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
        == "2026-12-01T02:00:00Z"
    )


@pytest.mark.parametrize("version", [2, 3])
def test_other_published_language_versions_are_associations_the_original_flagged(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["en"], version)
    versions = by_name(text_versions(document))
    assert set(versions) == {"original", "translation-id"}
    original = versions["original"]
    assert original["uri"] == item_uri(texts["vi"], absolute)
    assert original["language"] == "vi"
    assert original["headlines"][0]["value"] == texts["vi"].title
    web = {r["name"]: r["href"] for r in original["renditions"]}
    with translation.override("vi"):
        assert web["web"] == absolute(texts["vi"].get_absolute_url())
    assert web["web"].startswith(absolute("/vi/"))
    assert web["source"].startswith("https://tuoitre.example/")
    assert versions["translation-id"]["uri"] == item_uri(texts["id"], absolute)
    assert versions["translation-id"]["language"] == "id"
    if version == 3:
        assert original["rel"] == "original" and versions["translation-id"]["rel"] == "translation"
    else:
        assert all("rel" not in a for a in document["associations"])  # 2.2 has no rel on associations
    # From the original, both translations, the machine one saying so.
    from_original = by_name(text_versions(ninjs(texts["vi"], version)))
    assert set(from_original) == {"translation-en", "translation-id"}
    machine = from_original["translation-en"]
    assert machine[document_key("digitalsourcetype", version)]["uri"] == TRAINED_ALGORITHMIC_MEDIA
    assert machine[document_key("infosources", version)][0]["literal"] == ENGINE
    assert document_key("digitalsourcetype", version) not in from_original["translation-id"]


@pytest.mark.parametrize("version", [2, 3])
def test_unpublished_language_versions_never_appear(version: int) -> None:
    texts = newsroom_article()
    texts["id"].is_published = False
    texts["id"].save()
    for language in ("vi", "en"):
        document = ninjs(texts[language], version)
        languages = {a["language"] for a in text_versions(document)}
        assert "id" not in languages
        assert str(texts["id"].title) not in str(document)
    texts["vi"].is_published = False
    texts["vi"].save()
    alone = ninjs(texts["en"], version)
    assert text_versions(alone) == []
    # Asked for by a caller allowed to read it, an unpublished text says it is withheld.
    assert ninjs(texts["id"], version)[document_key("pubstatus", version)] == "withheld"


@pytest.mark.parametrize("version", [2, 3])
def test_machine_translation_is_stated_with_its_engine(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["en"], version)
    source_type = document[document_key("digitalsourcetype", version)]
    assert source_type == {
        "name": "Machine translation",
        "uri": TRAINED_ALGORITHMIC_MEDIA,
        "literal": "machine",
    }
    engines = [s for s in document[document_key("infosources", version)] if s["role"] == AUTHOR]
    assert engines == [{"name": f"{ENGINE} ({MODEL_VERSION})", "role": AUTHOR, "literal": ENGINE}]
    notices = [d["value"] for d in document["descriptions"] if d["role"] == "translation"]
    assert notices == [f"Machine-translated from Vietnamese ({ENGINE}, {MODEL_VERSION})."]


def test_post_edited_and_stale_translations_say_so_in_the_texts_language() -> None:
    texts = newsroom_article()
    article = texts["vi"].article
    vi_from_en = make_text(
        make_article(source_language="en"),
        "vi",
        status=ArticleText.Status.POST_EDITED,
        engine="libretranslate",
        model_version="",
        stale=True,
    )
    document = ninjs(vi_from_en, 3)
    assert document["digitalSourceType"]["uri"] == TRAINED_ALGORITHMIC_MEDIA
    assert "reviewed by an editor" in document["digitalSourceType"]["name"]
    notes = {d["role"]: d["value"] for d in document["descriptions"]}
    assert (
        notes["translation"]
        == "Bài viết được dịch máy từ tiếng Anh và đã được biên tập viên hiệu đính (libretranslate)."
    )
    assert notes["stale"] == "Bài gốc đã được cập nhật sau khi bản dịch này được thực hiện."
    assert [s["literal"] for s in document["infoSources"] if s["role"] == AUTHOR] == ["libretranslate"]
    assert article.pk != vi_from_en.article.pk


@pytest.mark.parametrize("language", ["vi", "id"])
def test_originals_and_human_translations_claim_no_machine(language: str) -> None:
    texts = newsroom_article()
    document = ninjs(texts[language], 3)
    assert "digitalSourceType" not in document
    assert all(s["role"] != AUTHOR for s in document["infoSources"])
    translation_notes = [d["value"] for d in document.get("descriptions", []) if d["role"] == "translation"]
    assert translation_notes == ([] if language == "vi" else ["Diterjemahkan dari bahasa Vietnam."])


@pytest.mark.parametrize("version", [2, 3])
def test_the_partner_is_the_source_with_its_licence_and_the_original_url(version: int) -> None:
    texts = newsroom_article()
    article = texts["en"].article
    document = ninjs(texts["en"], version)
    assert document[document_key("copyrightholder", version)] == "Báo Tuổi Trẻ & Đời Sống"
    assert document[document_key("usageterms", version)] == LICENCE
    outlet = [s for s in document[document_key("infosources", version)] if s["role"] == CONTENT_SOURCE]
    assert outlet == [
        {
            "name": article.outlet.name,
            "role": CONTENT_SOURCE,
            "literal": article.outlet.slug,
            "uri": article.outlet.home_url,
        }
    ]
    source_url = "https://tuoitre.example/b%C3%A3o-yagi-%C4%91%E1%BB%95-b%E1%BB%99.html"  # the IRI as a URI
    assert document[document_key("altids", version)] == [{"role": "source-url", "value": source_url}]
    original = ninjs(texts["vi"], version)
    assert {
        "name": "source",
        "href": source_url,
        document_key("contenttype", version): "text/html",
        "title": article.outlet.name,
    } in original["renditions"]


def test_without_licence_there_are_no_usage_terms() -> None:
    texts = newsroom_article(with_extras=False)
    document = ninjs(texts["vi"], 3)
    assert "usageTerms" not in document
    assert document["copyrightHolder"] == texts["vi"].article.outlet.name


@pytest.mark.parametrize("version", [2, 3])
def test_authors_and_section_in_the_texts_language(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["en"], version)
    assert document["by"] == "Nguyễn Thị Hạnh, Trần Văn Ân"
    assert [p["name"] for p in document["people"]] == ["Nguyễn Thị Hạnh", "Trần Văn Ân"]
    assert all(
        p["rel"] == "author" and p["uri"].startswith(absolute("/en/author/")) for p in document["people"]
    )
    assert document["subjects"] == [
        {
            "name": "News",
            "rel": "section",
            "uri": absolute(f"/en/{texts['en'].article.section.slug}/"),
            "literal": texts["en"].article.section.slug,
        }
    ]


def test_a_bare_article_has_no_people_subjects_summary_or_pictures() -> None:
    texts = newsroom_article(with_extras=False)
    document = ninjs(texts["vi"], 2)
    for absent in ("by", "people", "subjects", "descriptions", "usageterms", "places"):
        assert absent not in document
    assert pictures(document) == []
    assert document["profile"] == "text-only"
    assert document["bodies"][0]["value"] == "<p>Tin ngắn.</p>"


@pytest.mark.parametrize("version", [2, 3])
def test_the_lead_is_the_summary_as_plain_text(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["vi"], version)
    assert document["descriptions"] == [
        {
            "role": "summary",
            document_key("contenttype", version): "text/plain",
            "value": "Gió giật mạnh & sóng cao 🌊",
        }
    ]


@pytest.mark.parametrize("version", [2, 3])
def test_pictures_have_renditions_with_dimensions_caption_and_credit(version: int) -> None:
    texts = newsroom_article()
    document = ninjs(texts["en"], version)
    found = by_name(pictures(document))
    assert set(found) == {"picture-1", "picture-2"}
    lead, inline = found["picture-1"], found["picture-2"]
    assert lead["renditions"] == [
        {
            "name": "web",
            "href": "https://img.example/c%C3%A2y-%C4%91%E1%BB%95.jpg",
            document_key("contenttype", version): "image/jpeg",
            "width": 1200,
            "height": 800,
        }
    ]
    assert (
        lead["descriptions"][0]["value"] == "Trees down in the street"
    )  # the caption in the text's language
    assert lead["language"] == "en"
    assert lead["by"] == "Tuổi Trẻ"
    assert inline["renditions"][0]["width"] == 800 and inline["renditions"][0]["height"] == 600
    assert inline["descriptions"][0]["value"] == "High water in Ha Long"
    assert inline["by"] == "TTXVN"
    if version == 3:
        assert (lead["rel"], inline["rel"]) == ("lead", "inline")
    assert all(p["uri"].startswith("tag:") for p in found.values())
    assert len({p["uri"] for p in found.values()}) == 2


def test_a_caption_missing_in_the_texts_language_falls_back_to_the_original_and_says_so() -> None:
    texts = newsroom_article()
    lead = by_name(pictures(ninjs(texts["id"], 3)))["picture-1"]
    assert lead["descriptions"][0]["value"] == "Cây đổ trên phố"
    assert lead["language"] == "vi"


def test_pictures_without_known_size_or_type_leave_them_out() -> None:
    article = make_article()
    text = make_text(article)
    make_media(article, url="https://img.example/photo-without-extension", captions={})
    picture = pictures(ninjs(text, 3))[0]
    assert picture["renditions"] == [{"name": "web", "href": "https://img.example/photo-without-extension"}]
    assert "descriptions" not in picture and "by" not in picture


def test_the_same_picture_is_one_association() -> None:
    texts = newsroom_article()
    article = texts["vi"].article
    make_media(
        article, url="https://img.example/ngập lụt.jpg", width=800, height=600
    )  # the body's image as Media
    found = pictures(ninjs(texts["vi"], 3))
    assert len(found) == len({p["renditions"][0]["href"] for p in found}) == 2


def test_mapping_reads_nothing_more_from_the_database(django_assert_num_queries: Any) -> None:
    texts = newsroom_article()
    loaded = load(texts["en"])
    with django_assert_num_queries(0):
        to_ninjs(loaded, version=2, absolute=absolute)
        to_ninjs(loaded, version=3, absolute=absolute)


def test_only_versions_2_and_3() -> None:
    texts = newsroom_article(with_extras=False)
    with pytest.raises(ValueError, match="ninjs 2 or 3"):
        to_ninjs(load(texts["vi"]), version=1, absolute=absolute)


def test_3x_uses_camel_case_everywhere_and_2x_lower_case() -> None:
    texts = newsroom_article()
    v2, v3 = ninjs(texts["en"], 2), ninjs(texts["en"], 3)

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert all(k == k.lower() for k in keys(v2))
    assert "places" not in keys(v2) | keys(v3)  # the schemas' one outside reference (GeoJSON) is never needed
    assert not keys(v3) & {
        "contenttype",
        "versioncreated",
        "firstcreated",
        "infosources",
        "altids",
        "charcount",
    }
    assert {
        "contentType",
        "versionCreated",
        "infoSources",
        "altIds",
        "charCount",
        "digitalSourceType",
    } <= keys(v3)

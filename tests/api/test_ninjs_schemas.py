"""Every ninjs document kabar writes is valid against the official IPTC schema of its version."""

from __future__ import annotations

from typing import Any

import pytest
from ninjs_support import compiled_messages, load, make_media, newsroom_article, validate

from kabar.api.ninjs import to_ninjs
from kabar.news.models import ArticleText
from kabar.site.present import absolute

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(compiled_messages.__name__)]


@pytest.mark.parametrize("with_extras", [True, False], ids=["full", "bare"])
@pytest.mark.parametrize("language", ["vi", "en", "id"])
@pytest.mark.parametrize("version", [2, 3])
def test_every_language_version_validates(version: int, language: str, with_extras: bool) -> None:
    texts = newsroom_article(with_extras=with_extras)
    document = to_ninjs(load(texts[language]), version=version, absolute=absolute)
    validate(document, version)


@pytest.mark.parametrize("version", [2, 3])
def test_post_edited_unpublished_and_stale_texts_validate(version: int) -> None:
    texts = newsroom_article()
    en = texts["en"]
    en.status = ArticleText.Status.POST_EDITED
    en.stale = True
    en.is_published = False
    en.save()
    for text in texts.values():
        validate(to_ninjs(load(text), version=version, absolute=absolute), version)


@pytest.mark.parametrize("version", [2, 3])
def test_images_without_dimensions_type_or_caption_validate(version: int) -> None:
    texts = newsroom_article()
    article = texts["vi"].article
    make_media(article, url="https://img.example/no-extension", captions={}, credit="")
    make_media(article, url="https://img.example/ảnh có dấu cách.png", width=None, height=None)
    validate(to_ninjs(load(texts["id"]), version=version, absolute=absolute), version)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize(
    "broken",
    [
        {"extension": "kabar"},  # a property of one's own
        {"firstcreated": "2026-12-01 10:00:00Z"},  # a date-time without T
        {"firstcreated": "2026-12-01T10:00:00"},  # a date-time without timezone
        {"firstcreated": "2026-13-01T10:00:00Z"},  # no such month
        {"uri": "article 12"},  # a uri without scheme
        {"uri": "https://kabar.example/ảnh"},  # an IRI, not a URI
    ],
)
def test_the_validators_refuse_what_the_schema_forbids(version: int, broken: dict[str, Any]) -> None:
    # The checks above mean something only if invalid documents fail them, formats included:
    # each document here is valid but for one value, in the property names of its version.
    valid = {"uri": "tag:kabar.example,2026-12-01:article/1/vi", "firstcreated": "2026-12-01T10:00:00Z"}
    validate(valid if version == 2 else {"uri": valid["uri"], "firstCreated": valid["firstcreated"]}, version)
    document = {**valid, **broken}
    if version == 3:
        document["firstCreated"] = document.pop("firstcreated")
    with pytest.raises(AssertionError, match="not valid ninjs"):
        validate(document, version)

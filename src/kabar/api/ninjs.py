"""One language version of an article as IPTC ninjs (News in JSON), versions 2.x and 3.x.

kabar emits ninjs 2.2 and 3.1, the versions of the official schemas in
``shared/schemas/ninjs/``; the item is built once with the 2.x property names and renamed to
3.x camelCase (the two differ in names, not in meaning, for everything used here). Both
schemas forbid properties of one's own (``unevaluatedProperties: false``), so everything is
said with standard properties; docs/ninjs.md gives the mapping and the reasons:

* the partner outlet is an ``infosources`` entry (IPTC role *content source*), the
  ``copyrightholder``, and its licence the ``usageterms``; the original URL is an ``altids``
  entry and a rendition of the original;
* machine translation is ``digitalsourcetype`` *trainedAlgorithmicMedia* (the IPTC code for
  content made by a trained model) plus an ``infosources`` entry naming the engine (IPTC role
  *author*: "a party (person, organisation or system) that created the content"), and the
  reader notice of the article page as a description;
* every other published language version is an association (``name`` "original" or
  "translation-<lang>"; in 3.x also ``rel``), and each picture an association of type
  picture with a rendition.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext

from kabar.api.ninjs_body import render_body
from kabar.core.blocks import strip_tags
from kabar.news.models import Article, ArticleText, Media
from kabar.site.article_page import lead_figures
from kabar.site.body import Figure, prepare_blocks
from kabar.site.languages import name_in_sentence, site_language_codes

# The ninjs versions kabar emits, by the major version a caller asks for.
SCHEMA_VERSIONS = {2: "2.2", 3: "3.1"}
SCHEMA_URIS = {v: f"http://www.iptc.org/std/ninjs/ninjs-schema_{n}.json#" for v, n in SCHEMA_VERSIONS.items()}

# IPTC NewsCodes (http://cv.iptc.org/newscodes/): the standard words for who did what.
CONTENT_SOURCE = "http://cv.iptc.org/newscodes/contentprodpartyrole/contentSource"
AUTHOR = "http://cv.iptc.org/newscodes/contentprodpartyrole/author"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

ORIGINAL_NAME = "original"
SOURCE_URL_ROLE = "source-url"

# 2.x name → 3.x name, for every property name this module writes that 3.x spells differently.
_V3_NAMES = {
    "altids": "altIds",
    "charcount": "charCount",
    "contenttype": "contentType",
    "copyrightholder": "copyrightHolder",
    "digitalsourcetype": "digitalSourceType",
    "firstcreated": "firstCreated",
    "infosources": "infoSources",
    "pubstatus": "pubStatus",
    "representationtype": "representationType",
    "usageterms": "usageTerms",
    "versioncreated": "versionCreated",
    "wordcount": "wordCount",
}

Absolute = Callable[[str], str]


def to_ninjs(text: ArticleText, *, version: int, absolute: Absolute) -> dict[str, Any]:
    """``text`` as a ninjs news item: ``version=2`` gives ninjs 2.2, ``version=3`` ninjs 3.1.

    ``text`` must come with ``article`` (its ``outlet`` and ``section``) and the article's
    ``texts``, ``media`` and ``authors`` prefetched; nothing here queries the database.
    ``absolute`` turns a site path ("/vi/2026/12/slug/") into an absolute URL; already
    absolute URLs must come back unchanged (``kabar.site.present.absolute`` does both).

    The result validates against the official IPTC schema of that version. Other published
    language versions are associations; unpublished ones never appear. A text that is itself
    unpublished (only for callers allowed to read it) has ``pubstatus`` "withheld".
    Raises ``ValueError`` for a version other than 2 or 3.
    """
    if version not in SCHEMA_VERSIONS:
        raise ValueError(f"ninjs version {version!r}: kabar emits ninjs 2 or 3")
    absolute = _uris(absolute)
    article = text.article
    outlet = article.outlet
    figures = lead_figures(text)
    blocks = prepare_blocks(text.blocks, text.lead, figures)
    body = render_body(blocks, language=text.language, absolute=absolute)

    item: dict[str, Any] = {
        "uri": item_uri(text, absolute),
        "standard": {"name": "ninjs", "version": SCHEMA_VERSIONS[version], "schema": SCHEMA_URIS[version]},
        "type": "text",
        "representationtype": "full",
        "profile": "text-photo" if figures or any(b["type"] == "image" for b in blocks) else "text-only",
        "version": text_version(text),
        "firstcreated": rfc3339(article.published_at),
        "versioncreated": rfc3339(version_created(text)),
        "pubstatus": "usable" if text.is_published else "withheld",
        "language": text.language,
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": text.title}],
    }
    descriptions = _descriptions(text)
    if descriptions:
        item["descriptions"] = descriptions
    authors = list(article.authors.all())
    if authors:
        item["by"] = ", ".join(a.name for a in authors)
        item["people"] = [_person(a, text.language, absolute) for a in authors]
    section = article.public_section  # "unsorted" is no subject: it has no page to point at
    if section is not None:
        with translation.override(text.language):
            section_url = absolute(section.get_absolute_url())
        item["subjects"] = [
            {
                "name": section.name_for(text.language),
                "rel": "section",
                "uri": section_url,
                "literal": section.slug,
            }
        ]
    if body.plain or body.html:
        item["bodies"] = [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": body.html,
                "charcount": body.char_count,
                "wordcount": body.word_count,
            },
            {
                "role": "main",
                "contenttype": "text/plain",
                "value": body.plain,
                "charcount": body.char_count,
                "wordcount": body.word_count,
            },
        ]
    item["copyrightholder"] = outlet.name
    if outlet.licence.strip():
        item["usageterms"] = outlet.licence.strip()
    item["infosources"] = [_outlet_source(article), *_engine_sources(text)]
    item.update(_digital_source(text))
    item["altids"] = [{"role": SOURCE_URL_ROLE, "value": iri_to_uri(article.source_url)}]
    item["renditions"] = _text_renditions(text, absolute)
    associations = [
        *_language_versions(text, version, absolute),
        *_pictures(text, figures, blocks, version, absolute),
    ]
    if associations:
        item["associations"] = associations
    return _renamed(item) if version == 3 else item


def _uris(absolute: Absolute) -> Absolute:
    # Outlet image names and URLs may hold spaces or non-ASCII letters; ninjs wants URIs (RFC 3986).
    return lambda path: iri_to_uri(absolute(path))


def item_uri(text: ArticleText, absolute: Absolute) -> str:
    """The item's identifier: the same for one article in one language for as long as kabar keeps it.

    A ``tag:`` URI (RFC 4151) under the site's host rather than a page or API URL: slugs and
    routes may change, the article's key and language do not, and ninjs wants an identifier,
    not a link (the links are the renditions).
    """
    return f"{_tag_prefix(text.article, absolute)}:article/{text.article.pk}/{text.language}"


def text_version(text: ArticleText) -> str:
    """The version of the item: a number that grows whenever the text or the article changes."""
    return str(int(version_created(text).timestamp() * 1000))


def version_created(text: ArticleText) -> datetime:
    """When this version was made: the latest of the text's save, the outlet's update and publication."""
    article = text.article
    moments = [article.published_at, text.modified_at, article.updated_at]
    return max(m for m in moments if m is not None)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC to the second ("2026-12-01T09:30:00Z"): what every ninjs reader parses."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _tag_prefix(article: Article, absolute: Absolute) -> str:
    host = urlsplit(absolute("/")).hostname or "localhost"
    # The tag's date is the day kabar first stored the article: fixed once written.
    return f"tag:{host},{article.created_at.astimezone(UTC):%Y-%m-%d}"


def _descriptions(text: ArticleText) -> list[dict[str, str]]:
    descriptions = []
    lead = strip_tags(text.lead).strip()
    if lead:
        descriptions.append({"role": "summary", "contenttype": "text/plain", "value": lead})
    if text.status != ArticleText.Status.ORIGINAL:
        descriptions.append(
            {"role": "translation", "contenttype": "text/plain", "value": translation_notice(text)}
        )
        if text.stale:
            with translation.override(text.language):
                stale = gettext("The original article has been updated since this translation was made.")
            descriptions.append({"role": "stale", "contenttype": "text/plain", "value": stale})
    return descriptions


def translation_notice(text: ArticleText) -> str:
    """The notice the article page shows above a translation, in the text's language, with the engine.

    "Machine-translated from Vietnamese (ct2, opus-mt-vi-en 2024-05)."
    """
    source = text.translated_from or text.article.source_language
    with translation.override(text.language):
        language = name_in_sentence(source)
        if text.status == ArticleText.Status.POST_EDITED:
            notice = gettext("Machine-translated from %(language)s and reviewed by an editor.")
        elif text.status == ArticleText.Status.MACHINE:
            notice = gettext("Machine-translated from %(language)s.")
        else:
            notice = gettext("Translated from %(language)s.")
    notice %= {"language": language}
    engine = ", ".join(part for part in (text.engine, text.model_version) if part)
    if text.is_machine_made and engine:
        notice = f"{notice.rstrip('.')} ({engine})."
    return notice


def engine_label(text: ArticleText) -> str:
    """The engine and model version as stored: "ct2 (opus-mt-vi-en 2024-05)"."""
    return f"{text.engine} ({text.model_version})" if text.model_version else text.engine


def _person(author: Any, language: str, absolute: Absolute) -> dict[str, str]:
    with translation.override(language):
        url = absolute(author.get_absolute_url())
    return {"name": author.name, "rel": "author", "uri": url, "literal": author.slug}


def _outlet_source(article: Article) -> dict[str, str]:
    outlet = article.outlet
    source = {"name": outlet.name, "role": CONTENT_SOURCE, "literal": outlet.slug}
    if _is_web_url(outlet.home_url):
        source["uri"] = iri_to_uri(outlet.home_url)
    return source


def _engine_sources(text: ArticleText) -> list[dict[str, str]]:
    if not (text.is_machine_made and text.engine):
        return []
    return [{"name": engine_label(text), "role": AUTHOR, "literal": text.engine}]


def _digital_source(text: ArticleText) -> dict[str, Any]:
    """Machine-made text says so in the standard place; for other texts kabar does not claim either way.

    (kabar cannot know how a partner wrote its original, so it states nothing rather than
    "digitalCreation"; a human translation has no engine to state.)
    """
    if not text.is_machine_made:
        return {}
    name = "Machine translation"
    if text.status == ArticleText.Status.POST_EDITED:
        name = "Machine translation, reviewed by an editor"
    return {
        "digitalsourcetype": {"name": name, "uri": TRAINED_ALGORITHMIC_MEDIA, "literal": str(text.status)}
    }


def _text_renditions(text: ArticleText, absolute: Absolute) -> list[dict[str, Any]]:
    """The text as web pages: kabar's page of it and, for the original, the outlet's page."""
    renditions = []
    if text.language in site_language_codes():
        with translation.override(text.language):
            page = absolute(text.get_absolute_url())
        renditions.append({"name": "web", "href": page, "contenttype": "text/html", "title": text.title})
    if text.status == ArticleText.Status.ORIGINAL and _is_web_url(text.article.source_url):
        renditions.append(
            {
                "name": "source",
                "href": iri_to_uri(text.article.source_url),
                "contenttype": "text/html",
                "title": text.article.outlet.name,
            }
        )
    return renditions


def _language_versions(text: ArticleText, version: int, absolute: Absolute) -> list[dict[str, Any]]:
    """Every other published language version the site serves, the original first, then site order."""
    order = {code: i for i, code in enumerate(site_language_codes())}
    others = [
        t
        for t in text.article.texts.all()
        if t.is_published and t.pk != text.pk and t.language != text.language and t.language in order
    ]
    others.sort(key=lambda t: (t.status != ArticleText.Status.ORIGINAL, order[t.language]))
    associations = []
    for other in others:
        is_original = other.status == ArticleText.Status.ORIGINAL
        association: dict[str, Any] = {
            "name": ORIGINAL_NAME if is_original else f"translation-{other.language}",
            "uri": item_uri(other, absolute),
            "type": "text",
            "representationtype": "partial",
            "version": text_version(other),
            "versioncreated": rfc3339(version_created(other)),
            "language": other.language,
            "headlines": [{"role": "main", "contenttype": "text/plain", "value": other.title}],
        }
        if version == 3:
            association["rel"] = "original" if is_original else "translation"
        engines = _engine_sources(other)
        if engines:
            association["infosources"] = engines
        association.update(_digital_source(other))
        association["renditions"] = _text_renditions(other, absolute)
        associations.append(association)
    return associations


def _pictures(
    text: ArticleText,
    lead: list[Figure],
    blocks: list[dict[str, Any]],
    version: int,
    absolute: Absolute,
) -> list[dict[str, Any]]:
    """The pictures a reader sees, lead images first, each as a picture item with one rendition."""
    article = text.article
    media = list(article.media.all())
    by_src = {m.src: m for m in media if m.src} | {m.url: m for m in media if m.url}
    by_pk = {m.pk: m for m in media}
    placed: list[tuple[Figure, Media | None, str]] = [(f, by_src.get(f.src), "lead") for f in lead]
    for block in blocks:
        if block["type"] != "image":
            continue
        figure: Figure = block["figure"]
        row = by_src.get(figure.src)
        if row is None:
            row = next((by_pk.get(b.get("media")) for b in text.blocks if b.get("src") == figure.src), None)
        placed.append((figure, row, "inline"))
    pictures: list[dict[str, Any]] = []
    seen: set[str] = set()
    for figure, row, rel in placed:
        if not figure.has_picture or figure.src in seen:
            continue
        seen.add(figure.src)
        pictures.append(_picture(text, figure, row, rel, len(pictures) + 1, version, absolute))
    return pictures


def _picture(
    text: ArticleText,
    figure: Figure,
    row: Media | None,
    rel: str,
    number: int,
    version: int,
    absolute: Absolute,
) -> dict[str, Any]:
    width = figure.width or (row.width if row else None)
    height = figure.height or (row.height if row else None)
    rendition: dict[str, Any] = {"name": "web", "href": absolute(figure.src)}
    content_type = image_type(figure.src)
    if content_type:
        rendition["contenttype"] = content_type
    if width and height:
        rendition["width"] = int(width)
        rendition["height"] = int(height)
    prefix = _tag_prefix(text.article, absolute)
    if row is not None:
        uri = f"{prefix}:media/{row.pk}"
    else:
        uri = (
            f"{prefix}:article/{text.article.pk}/image/{hashlib.sha256(figure.src.encode()).hexdigest()[:16]}"
        )
    picture: dict[str, Any] = {"name": f"picture-{number}", "uri": uri, "type": "picture"}
    if version == 3:
        picture["rel"] = rel
    caption = strip_tags(figure.caption).strip()
    if caption:
        picture["language"] = figure.caption_language or text.language
        picture["descriptions"] = [{"role": "caption", "contenttype": "text/plain", "value": caption}]
    credit = figure.credit or (row.credit if row else "")
    if credit:
        picture["by"] = credit
    picture["renditions"] = [rendition]
    return picture


def image_type(src: str) -> str | None:
    """The IANA media type of an image from its file name, or None when the name does not say."""
    guessed, _encoding = mimetypes.guess_type(urlsplit(src).path)
    return guessed if guessed and guessed.startswith("image/") else None


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _renamed(value: Any) -> Any:
    """``value`` with 2.x property names spelled the 3.x way, at every depth (values untouched)."""
    if isinstance(value, dict):
        return {_V3_NAMES.get(k, k): _renamed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v) for v in value]
    return value

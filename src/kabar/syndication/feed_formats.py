"""RSS 2.0 and Atom 1.0 writers for kabar's feeds: Django's generators plus the elements aggregators read.

Django writes the core of each format; these subclasses add what a republished article needs:
every author (``dc:creator`` in RSS, one ``<author>`` each in Atom), the partner outlet and the
original URL (RSS ``<source>`` and ``dc:source``; Atom ``<source>`` and ``<link rel="via">``), and
the lead image as Media RSS (``media:content`` with ``media:credit``).

Every string is cleaned of the characters XML 1.0 cannot carry before it reaches the writer:
Django's writer refuses them with an exception (a 500 for the whole feed), and one control
character pasted into a partner's title must not take a feed down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.sax.xmlreader import AttributesImpl

from django.utils import feedgenerator
from django.utils.xmlutils import SimplerXMLGenerator

DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"

# What XML 1.0 forbids (https://www.w3.org/TR/xml/#charsets): C0 controls other than tab, line
# feed and carriage return, lone surrogates, and the two non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: Any) -> Any:
    """``value`` with every string in it (in lists, tuples and dicts too) fit for XML 1.0."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, tuple):
        return tuple(xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    if isinstance(value, ItemImage | ItemSource):
        return type(value)(**{k: xml_safe(v) for k, v in vars(value).items()})
    return value


@dataclass(frozen=True)
class ItemImage:
    """The lead image of an item, for Media RSS."""

    url: str
    mime_type: str = ""
    length: int = 0  # bytes; 0 when kabar does not hold the file
    width: int | None = None
    height: int | None = None
    caption: str = ""  # plain text
    credit: str = ""


@dataclass(frozen=True)
class ItemSource:
    """Where an item was first published: the partner outlet and the article's URL there."""

    outlet_name: str
    outlet_url: str
    original_url: str


class _Cleaned(feedgenerator.SyndicationFeed):
    """Cleans every value on its way in, so the writer never meets a character XML cannot hold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*xml_safe(args), **xml_safe(kwargs))

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*xml_safe(args), **xml_safe(kwargs))


def _media_content(handler: SimplerXMLGenerator, image: ItemImage | None) -> None:
    if image is None:
        return
    attrs = {"url": image.url, "medium": "image"}
    if image.mime_type:
        attrs["type"] = image.mime_type
    if image.length:
        attrs["fileSize"] = str(image.length)
    if image.width and image.height:
        attrs["width"], attrs["height"] = str(image.width), str(image.height)
    handler.startElement("media:content", AttributesImpl(attrs))
    if image.caption:
        handler.addQuickElement("media:description", image.caption, {"type": "plain"})
    if image.credit:
        handler.addQuickElement("media:credit", image.credit)
    handler.endElement("media:content")


class RssFeed(_Cleaned, feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with Dublin Core and Media RSS."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:dc": DC_NS, "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("authors") or ():
            handler.addQuickElement("dc:creator", name)
        source: ItemSource | None = item.get("source")
        if source is not None:
            # RSS's <source> names the publication the item came from; dc:source is the very
            # article it was derived from.
            handler.addQuickElement("source", source.outlet_name, {"url": source.outlet_url})
            handler.addQuickElement("dc:source", source.original_url)
        _media_content(handler, item.get("image"))


class AtomFeed(_Cleaned, feedgenerator.Atom1Feed):
    """Atom 1.0 with Media RSS; authors, the outlet and the original in Atom's own elements."""

    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("authors") or ():
            handler.startElement("author", AttributesImpl({}))
            handler.addQuickElement("name", name)
            handler.endElement("author")
        source: ItemSource | None = item.get("source")
        if source is not None:
            # rel="via" is RFC 4287's "the source of the information in the entry"; <source>
            # carries the metadata of the publication the entry was copied from.
            handler.addQuickElement("link", "", {"rel": "via", "href": source.original_url})
            handler.startElement("source", AttributesImpl({}))
            handler.addQuickElement("id", source.outlet_url)
            handler.addQuickElement("title", source.outlet_name)
            handler.addQuickElement("link", "", {"rel": "alternate", "href": source.outlet_url})
            handler.endElement("source")
        _media_content(handler, item.get("image"))

"""``warc`` source: WARC and WET files (gzipped or not), e.g. Common Crawl's CC-NEWS.

* WARC ``response`` records whose HTTP answer is a 2xx HTML page become
  ``RawDocument(kind="html")`` at their ``WARC-Target-URI``, decoded with the
  charset rules fetched pages get (the recorded HTTP Content-Type first).
* WET ``conversion`` records (the plain text Common Crawl extracted) become
  ``RawDocument(kind="text")``.
* Everything else (requests, metadata, redirects, images, PDFs) is not a
  document and is skipped without a failure.

``WARC-Identified-Content-Language`` ("vie,eng") gives the declared language.
A ``WARC-Target-URI`` that is not http(s) is not used as the article's address
(it would be a link on the reader site); the record is then known by its place
in the file, ``<file URI>#record-N``, as a record without a target is.
A record that cannot be read yields a ``DocumentFailure``; a file that breaks
part-way yields one for the file and the records before it stand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from warcio.archiveiterator import ArchiveIterator

from kabar.core.errors import TooLarge
from kabar.core.fetch.charset import decode_html, decode_text, media_type
from kabar.core.sources import failure, file_uri, is_http_url, language_code
from kabar.core.sources.files import LocalFiles
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure

WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcSource(LocalFiles):
    """Local WARC/WET files, or a folder of them."""

    kind: ClassVar[str] = "warc"
    label: ClassVar[str] = "WARC/WET files"
    suffixes: ClassVar[tuple[str, ...]] = WARC_SUFFIXES
    own_options: ClassVar[Mapping[str, Any]] = {
        "max_bytes": 10_000_000,  # per record
        "max_files": 10_000,
    }

    def accepts(self, location: str) -> bool:
        return self.has_files(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        for path in self.files(location):
            if isinstance(path, DocumentFailure):
                yield path
            else:
                yield from self._records(path)

    def _records(self, path: Path) -> Iterator[RawDocument | DocumentFailure]:
        source = file_uri(path)
        read = 0
        try:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    read += 1
                    target = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if not is_http_url(target):
                        target = f"{source}#record-{read}"
                    try:
                        document = self._document(record, target, source)
                    except Exception as exc:
                        yield failure(target, exc)
                        continue
                    if document is not None:
                        yield document
        except Exception as exc:  # a truncated or corrupt file: keep what was read, report the rest
            yield DocumentFailure(source, f"unreadable after {read} records: {type(exc).__name__}: {exc}")

    def _document(self, record: Any, target: str, source: str) -> RawDocument | None:
        language = language_code(record.rec_headers.get_header("WARC-Identified-Content-Language"))
        hints = {"warc": source, "warc_date": record.rec_headers.get_header("WARC-Date")}
        if record.rec_type == "conversion":
            text, _encoding = decode_text(
                self._payload(record), record.rec_headers.get_header("Content-Type")
            )
            return RawDocument(url=target, content=text, kind="text", declared_language=language, hints=hints)
        if record.rec_type != "response" or record.http_headers is None:
            return None
        status = record.http_headers.get_statuscode() or ""
        content_type = record.http_headers.get_header("Content-Type")
        if not status.startswith("2"):
            return None
        if content_type and media_type(content_type) not in _HTML_TYPES:
            return None
        body = self._payload(record)
        if not content_type and b"<html" not in body[:2048].lower():
            return None
        text, _encoding = decode_html(body, content_type)
        return RawDocument(url=target, content=text, kind="html", declared_language=language, hints=hints)

    def _payload(self, record: Any) -> bytes:
        """The record's body with transfer and content encodings undone, capped at ``max_bytes``."""
        limit = int(self.options["max_bytes"])
        data: bytes = record.content_stream().read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"record larger than {limit:,} bytes", stage="fetch")
        return data

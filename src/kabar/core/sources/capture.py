"""``capture`` source: plain-text captures of pages (``*.txt``), one file or a folder of them.

A capture is the text a reader saw on a republishing site, line by line (the
seeds in ``shared/seeds`` are two). They become ``RawDocument(kind="text")``;
``kabar.core.extract.capture`` does the parsing. Encoding: UTF-8 when the bytes are
valid UTF-8 (nearly always), else detection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from kabar.core.fetch.charset import decode_text
from kabar.core.sources import failure, file_uri, iter_files, local_path
from kabar.core.sources.files import HTML_SUFFIXES, LocalFiles
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


class CaptureSource(LocalFiles):
    """Local ``.txt`` page captures."""

    kind: ClassVar[str] = "capture"
    label: ClassVar[str] = "text captures"
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)

    def accepts(self, location: str) -> bool:
        # A folder with saved HTML pages belongs to the file source even if it holds a README.txt.
        root = local_path(location)
        if root is not None and root.is_dir() and next(iter_files(root, HTML_SUFFIXES, max_files=1), None):
            return False
        return self.has_files(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        for path in self.files(location):
            if isinstance(path, DocumentFailure):
                yield path
                continue
            url = file_uri(path)
            try:
                text, _encoding = decode_text(self.read(path))
            except Exception as exc:
                yield failure(url, exc)
                continue
            if not text.strip():
                yield DocumentFailure(url, "empty capture")
                continue
            yield RawDocument(url=url, content=text, kind="text", hints={"path": str(path)})

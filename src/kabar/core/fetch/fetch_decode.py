"""Decompressing a fetched body in bounded pieces, so that a compression bomb cannot exhaust memory.

httpx's own decoders hand each network read to ``zlib``/``brotli`` in one call and
return everything it expands to. Deflate expands at most about 1000:1, but brotli
and stacked encodings (``Content-Encoding: gzip, gzip``) expand far more: a 1.6 KB
brotli body is a gigabyte of zeros, all in memory before the fetcher's size cap
sees the first byte. Here every layer emits about ``PIECE`` bytes per step (never
more than twice that), so the cap stops such a body after a few pieces, whatever the ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Protocol

import brotli

# The encodings decoded here, in the form the Accept-Encoding request header takes.
ACCEPT_ENCODING = "gzip, deflate, br"
PIECE = 1 << 16


class DecodeError(ValueError):
    """The body is not what its Content-Encoding says, or uses an encoding kabar does not read."""


class _Layer(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...


class _Zlib:
    """gzip or deflate; deflate is zlib-wrapped by the standard but sent raw by some servers."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while not self._decoder.eof:
            try:
                piece = self._decoder.decompress(pending, PIECE)
            except zlib.error:
                if not self._raw_fallback:
                    raise
                # A first block that is not zlib-wrapped: read it as raw deflate from the start.
                self._raw_fallback = False
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._decoder.decompress(pending, PIECE)
            self._raw_fallback = False
            if piece:
                yield piece
            pending = self._decoder.unconsumed_tail
            if not pending and len(piece) < PIECE:
                return  # all input used and nothing held back: wait for the next read


class _Brotli:
    def __init__(self) -> None:
        self._decoder = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        # The limit stops the output buffer growing once it is reached, so a piece may
        # pass PIECE by what one step wrote (up to about half as much again). Output held
        # back is drained with empty input until none is left (``can_accept_more_data``
        # says True as soon as the input is taken in, output pending or not).
        piece = self._decoder.process(data, output_buffer_limit=PIECE)
        while piece:
            yield piece
            if self._decoder.is_finished():
                return
            piece = self._decoder.process(b"", output_buffer_limit=PIECE)


def _layer(encoding: str) -> _Layer:
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Zlib("deflate" if encoding == "deflate" else "gzip")
    if encoding == "br":
        return _Brotli()
    raise DecodeError(f"unsupported Content-Encoding {encoding!r} (kabar reads {ACCEPT_ENCODING})")


def decoded_pieces(content_encoding: str | None, raw_chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The decoded body of ``raw_chunks`` sent with ``content_encoding``, in pieces of at most ``2 * PIECE`` bytes.

    Encodings are undone in reverse order of listing (the last one listed was applied last).
    Raises ``DecodeError`` for an unknown encoding or bytes that do not decode.
    """
    names = [name.strip().lower() for name in (content_encoding or "").split(",")]
    layers = [_layer(name) for name in reversed(names) if name and name != "identity"]

    def through(data: bytes, rest: list[_Layer]) -> Iterator[bytes]:
        if not rest:
            if data:
                yield data
            return
        for piece in rest[0].feed(data):
            yield from through(piece, rest[1:])

    try:
        for chunk in raw_chunks:
            for start in range(0, len(chunk), PIECE):  # an identity body is capped in pieces too
                yield from through(chunk[start : start + PIECE], layers)
    except (zlib.error, brotli.error) as exc:
        raise DecodeError(f"cannot decompress the body: {exc}") from None

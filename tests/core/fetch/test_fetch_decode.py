"""Bounded decompression of fetched bodies (kabar.core.fetch.fetch_decode)."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from kabar.core.fetch.fetch_decode import PIECE, DecodeError, decoded_pieces

BODY = ("Người dân vùng lũ " * 20_000).encode()  # ~500 KB, several pieces once decoded


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def in_reads(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        (None, BODY),
        ("identity", BODY),
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", raw_deflate(BODY)),  # what some servers send as deflate
        ("br", brotli.compress(BODY)),
        ("gzip, br", brotli.compress(gzip.compress(BODY))),  # the last listed was applied last
        ("Gzip , GZIP", gzip.compress(gzip.compress(BODY))),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "zlib", "raw-deflate", "br", "gzip-br", "gzip-gzip"],
)
def test_every_accepted_encoding_round_trips_in_bounded_pieces(encoding: str | None, packed: bytes) -> None:
    for reads in ([packed], in_reads(packed)):
        pieces = list(decoded_pieces(encoding, reads))
        assert b"".join(pieces) == BODY
        assert max(len(piece) for piece in pieces) <= 2 * PIECE


def bomb(encoding: str, size: int) -> bytes:
    zeros = b"\0" * size
    if encoding == "br":
        return brotli.compress(zeros, quality=5)
    return gzip.compress(gzip.compress(zeros, 9), 9)


@pytest.mark.parametrize("encoding", ["br", "gzip, gzip"])
def test_a_bomb_comes_out_one_piece_at_a_time(encoding: str) -> None:
    # One small read that expands ~100 MB: httpx's decoders return all of it from one call.
    packed = bomb(encoding, 100_000_000)
    assert len(packed) < 200_000
    pieces = decoded_pieces(encoding, [packed])
    first = [next(pieces) for _ in range(4)]
    assert all(0 < len(piece) <= 2 * PIECE for piece in first)
    assert b"".join(first) == b"\0" * sum(map(len, first))


def test_unknown_or_broken_encodings_are_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="unsupported Content-Encoding 'zstd'"):
        list(decoded_pieces("zstd", [b"x"]))
    with pytest.raises(DecodeError, match="cannot decompress the body"):
        list(decoded_pieces("gzip", [b"not gzip at all"]))
    with pytest.raises(DecodeError, match="cannot decompress the body"):
        list(decoded_pieces("br", [b"\xff" * 50]))

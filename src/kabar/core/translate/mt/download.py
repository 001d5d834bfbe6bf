"""Model downloads and archives for ``kabar mt install``: streamed, capped, resumable, checked.

* ``download`` streams a URL into ``<dest>.part`` with connect/read timeouts and a size cap,
  resumes a ``.part`` left by an interrupted run with an HTTP ``Range`` request (starting
  over when the server ignores it), checks the length the server announced and the
  checksum the source publishes, and only then renames the file into place: ``dest``
  is either complete and checked or absent.
* ``extract`` unpacks a zip or tar archive into a folder, refusing members that would land
  outside it (``../``, absolute paths, links) and archives that unpack to more than a cap.

Model URLs come from the operator's own settings and the indexes they name, not from
readers, so these requests skip the fetcher's SSRF checks (a mirror on the LAN is fine).
No Django here.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

Progress = Callable[[str, int, int | None], None]  # (label, bytes so far, total bytes or None)

CHUNK = 1024 * 1024
DEFAULT_MAX_BYTES = 4 * 1024**3  # NLLB-200-distilled-600M's weights are 2.5 GB
DEFAULT_MAX_UNPACKED = 8 * 1024**3
DEFAULT_TIMEOUT = 30.0


class InstallError(Exception):
    """``kabar mt install`` cannot go on; the message says why and what to do.

    ``misuse`` marks a command line that is wrong in itself (an unknown spec form, a
    malformed language pair): exit 2. Everything learnt from the network or the files
    (404, a truncated or hostile archive, a wrong format) is a failure: exit 1.
    """

    def __init__(self, message: str, *, misuse: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.misuse = misuse

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Checksum:
    algorithm: str  # a hashlib name: "sha256", or "git-blob" (sha1 of "blob <size>\0" + data)
    hexdigest: str

    def new(self, size: int) -> hashlib._Hash:
        if self.algorithm == "git-blob":
            digest = hashlib.sha1(usedforsecurity=False)
            digest.update(f"blob {size}\0".encode())
            return digest
        return hashlib.new(self.algorithm)


def client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """The HTTP client of an install: timeouts on every phase, redirects followed (mirrors, CDNs)."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        follow_redirects=True,
        headers={"User-Agent": "kabar-mt-install"},
    )


def get_bytes(http: httpx.Client, url: str, *, max_bytes: int = 16 * 1024**2) -> bytes:
    """A small document (an index, a README, a file listing), capped and with clear errors."""
    with _request(http, url, {}) as response:
        _check_status(response, url)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise InstallError(f"{url}: larger than {max_bytes:,} bytes; is this the right address?")
        return bytes(body)


def download(
    http: httpx.Client,
    url: str,
    dest: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    checksum: Checksum | None = None,
    size: int | None = None,
    on_progress: Progress | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` (see the module docstring); ``size`` is the length a listing gave."""
    if size is not None and size > max_bytes:
        raise InstallError(f"{url} is {size:,} bytes, over the {max_bytes:,}-byte limit (--max-size)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    label = dest.name
    with _request(http, url, headers) as response:
        if response.status_code == 416 and have:  # the .part is already whole (or longer): start over
            part.unlink()
            return download(
                http, url, dest, max_bytes=max_bytes, checksum=checksum, size=size, on_progress=on_progress
            )
        _check_status(response, url)
        resumed = response.status_code == 206 and _range_start(response) == have
        if not resumed:
            have = 0
        remaining = _content_length(response)
        total = have + remaining if remaining is not None else size
        if total is not None and total > max_bytes:
            raise InstallError(f"{url} is {total:,} bytes, over the {max_bytes:,}-byte limit (--max-size)")
        done = have
        with part.open("ab" if resumed else "wb") as out:
            try:
                for chunk in response.iter_bytes():  # as received: nothing held back if it breaks off
                    done += len(chunk)
                    if done > max_bytes:
                        raise InstallError(f"{url}: more than {max_bytes:,} bytes, the limit (--max-size)")
                    out.write(chunk)
                    if on_progress is not None:
                        on_progress(label, done, total)
            except httpx.TransportError as exc:
                raise InstallError(
                    f"{url}: the download broke off after {done:,} bytes ({type(exc).__name__}); "
                    "run the same command again to resume it"
                ) from None
    if total is not None and done != total:
        raise InstallError(
            f"{url}: the download is truncated ({done:,} of {total:,} bytes); "
            "run the same command again to resume it"
        )
    if checksum is not None:
        found = _digest(part, checksum)
        if found != checksum.hexdigest.lower():
            part.unlink()
            raise InstallError(
                f"{url}: checksum mismatch ({checksum.algorithm} {found}, the source publishes "
                f"{checksum.hexdigest}); the damaged download was deleted, run the command again"
            )
    os.replace(part, dest)
    return dest


@contextmanager
def _request(http: httpx.Client, url: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
    """The streamed response to a GET, closed on leaving; connection problems said in words."""
    try:
        response = http.send(http.build_request("GET", url, headers=headers), stream=True)
    except httpx.TimeoutException:
        raise InstallError(f"{url}: no answer within {http.timeout.read or 0:g} s (--timeout)") from None
    except httpx.InvalidURL as exc:
        raise InstallError(f"{url}: not a usable URL ({exc})", misuse=True) from None
    except httpx.UnsupportedProtocol:
        raise InstallError(f"{url}: only http:// and https:// URLs can be downloaded", misuse=True) from None
    except httpx.TransportError as exc:
        raise InstallError(f"{url}: cannot connect ({type(exc).__name__}: {exc})") from None
    try:
        yield response
    finally:
        response.close()


def _check_status(response: httpx.Response, url: str) -> None:
    if response.status_code in (200, 206):
        return
    response.close()
    if response.status_code == 404:
        raise InstallError(f"{url}: not found (HTTP 404); check the name, or the mirror's base URL setting")
    raise InstallError(f"{url}: the server answered HTTP {response.status_code}")


def _range_start(response: httpx.Response) -> int | None:
    # "bytes 100-199/200"
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _content_length(response: httpx.Response) -> int | None:
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None  # the length is the compressed one; iter_bytes yields more
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _digest(path: Path, checksum: Checksum) -> str:
    digest = checksum.new(path.stat().st_size)
    with path.open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- archives ----------------------------------------------------------------------------------------


def extract(archive: Path, into: Path, *, max_bytes: int = DEFAULT_MAX_UNPACKED) -> Path:
    """Unpack a zip or tar ``archive`` into the folder ``into``, refusing what could escape it."""
    into.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        _extract_zip(archive, into, max_bytes)
    elif _is_tar(archive):
        _extract_tar(archive, into, max_bytes)
    else:
        raise InstallError(
            f"{archive.name} is not a zip or tar archive (truncated, or not a model release); "
            "delete it and run the command again"
        )
    return into


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def unsafe_member(name: str) -> bool:
    """Whether an archive member name could land outside the folder it is unpacked into."""
    posix = PurePosixPath(name.replace("\\", "/"))
    return posix.is_absolute() or ".." in posix.parts or (len(name) > 1 and name[1] == ":")


def _extract_zip(archive: Path, into: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            for member in members:
                mode = member.external_attr >> 16
                if unsafe_member(member.filename) or stat.S_ISLNK(mode):
                    raise InstallError(
                        f"{archive.name} has an unsafe member {member.filename!r} (a path outside the "
                        "archive or a link); refused: nothing was installed"
                    )
            _check_unpacked(archive, sum(m.file_size for m in members), max_bytes)
            bad = zipped.testzip()
            if bad is not None:
                raise InstallError(f"{archive.name} is damaged ({bad} fails its CRC check)")
            zipped.extractall(into)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise InstallError(f"{archive.name} is truncated or damaged ({exc})") from None


def _extract_tar(archive: Path, into: Path, max_bytes: int) -> None:
    try:
        with tarfile.open(archive) as tarred:
            members = tarred.getmembers()
            for member in members:
                if unsafe_member(member.name) or not (member.isfile() or member.isdir()):
                    raise InstallError(
                        f"{archive.name} has an unsafe member {member.name!r} (a path outside the "
                        "archive, a link or a device); refused: nothing was installed"
                    )
            _check_unpacked(archive, sum(m.size for m in members), max_bytes)
            tarred.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InstallError(f"{archive.name} is truncated or damaged ({exc})") from None


def _check_unpacked(archive: Path, total: int, max_bytes: int) -> None:
    if total > max_bytes:
        raise InstallError(f"{archive.name} unpacks to {total:,} bytes, over the {max_bytes:,}-byte limit")

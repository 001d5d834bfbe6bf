"""Argos Translate packages (``.argosmodel``) read without the argostranslate library.

A package is a zip holding one folder with ``metadata.json`` (``from_code``,
``to_code``, ``package_version``, maybe ``target_prefix``), a CTranslate2 model
under ``model/``, one ``sentencepiece.model`` for both sides and, usually, a
``stanza/`` sentence splitter that kabar does not need (it sends sentences
already). ``unpack`` extracts a package once into a cache folder; ``ct2`` then
loads it like any other CTranslate2 model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kabar.core.errors import TooLarge
from kabar.core.translate.mt import STAGE, TranslationError

METADATA = "metadata.json"
SENTENCEPIECE = "sentencepiece.model"
MODEL_DIR = "model"
DEFAULT_MAX_UNPACKED_BYTES = 4 * 1024**3  # the largest Argos models are well under 1 GiB

# "translate-vi_en-1_0.argosmodel", "vi_en.argosmodel", "translate-en_zh-1_9.argosmodel"
_FILENAME_CODES = re.compile(r"(?:^|-)([a-z]{2,3})_([a-z]{2,3})(?:-|$)")


@dataclass(frozen=True)
class ArgosMetadata:
    """The parts of ``metadata.json`` that translation needs."""

    from_code: str
    to_code: str
    package_version: str = ""
    target_prefix: str = ""  # a token some packages force at the start of the output

    @classmethod
    def parse(cls, raw: bytes | str, where: str) -> ArgosMetadata:
        try:
            data: Any = json.loads(raw)
        except ValueError as exc:
            raise TranslationError(f"{where}: {METADATA} is not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not data.get("from_code") or not data.get("to_code"):
            raise TranslationError(f"{where}: {METADATA} lacks from_code/to_code")
        return cls(
            from_code=str(data["from_code"]),
            to_code=str(data["to_code"]),
            package_version=str(data.get("package_version", "")),
            target_prefix=str(data.get("target_prefix") or ""),
        )


def is_package(path: Path) -> bool:
    """Whether ``path`` is an Argos package file (as opposed to a model folder)."""
    return path.is_file() and (path.suffix == ".argosmodel" or zipfile.is_zipfile(path))


def is_unpacked(path: Path) -> bool:
    """Whether ``path`` is an already-unpacked Argos package folder."""
    return (path / METADATA).is_file() and (path / MODEL_DIR).is_dir()


def codes_from_filename(path: Path) -> tuple[str, str] | None:
    """The language pair spelled in an Argos package's file name, if any."""
    match = _FILENAME_CODES.search(path.stem.lower())
    return (match.group(1), match.group(2)) if match else None


def read_metadata(package: Path) -> ArgosMetadata:
    """``metadata.json`` of a package file, read from the zip without unpacking it."""
    try:
        with zipfile.ZipFile(package) as archive:
            name = _find_member(archive, METADATA, package)
            return ArgosMetadata.parse(archive.read(name), str(package))
    except (zipfile.BadZipFile, OSError) as exc:
        raise TranslationError(f"Argos package {package} is not a valid zip file ({exc})") from None


def read_unpacked_metadata(folder: Path) -> ArgosMetadata:
    return ArgosMetadata.parse((folder / METADATA).read_bytes(), str(folder))


def fingerprint(path: Path) -> str:
    """A short stable id of a file's current contents, from its size and modification time."""
    stat = path.stat()
    return hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:10]


def unpack(package: Path, cache_dir: Path, max_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> Path:
    """Extract ``package`` under ``cache_dir`` once and return the package folder.

    The destination is named after the file's fingerprint, so a replaced package
    is unpacked afresh while an unchanged one is reused. Extraction goes to a
    temporary folder that is renamed into place, so two workers unpacking the
    same package at once cannot see a half-written model.
    """
    destination = cache_dir / f"{package.stem}-{fingerprint(package)}"
    if not is_unpacked(destination):
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=cache_dir))
        try:
            _extract(package, staging, max_bytes)
            root = _package_root(staging, package)
            if destination.exists():  # left by a crash before this code renamed atomically
                shutil.rmtree(destination)
            try:
                os.replace(root, destination)
            except OSError:
                if not is_unpacked(destination):  # not a concurrent unpack that won the race
                    raise
        except OSError as exc:
            raise TranslationError(f"could not unpack Argos package {package}: {exc}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _check_layout(destination, package)
    return destination


def _extract(package: Path, into: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(package) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > max_bytes:
                raise TooLarge(
                    f"Argos package {package} unpacks to {total:,} bytes, the limit is {max_bytes:,}",
                    stage=STAGE,
                )
            for member in members:
                name = PurePosixPath(member.filename)
                # zipfile already sanitises names on extraction; refusing them
                # outright tells the operator the package is hostile or broken.
                if name.is_absolute() or ".." in name.parts:
                    raise TranslationError(
                        f"Argos package {package} has an unsafe member path {member.filename!r}"
                    )
            archive.extractall(into)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise TranslationError(f"Argos package {package} is not a valid zip file ({exc})") from None


def _package_root(staging: Path, package: Path) -> Path:
    """The folder holding ``metadata.json``: the zip's single top folder, or the zip root."""
    if (staging / METADATA).is_file():
        return staging
    candidates = [p for p in staging.iterdir() if p.is_dir() and (p / METADATA).is_file()]
    if len(candidates) != 1:
        raise TranslationError(f"Argos package {package} has no {METADATA} in its top folder")
    return candidates[0]


def _check_layout(folder: Path, package: Path) -> None:
    for required in (METADATA, f"{MODEL_DIR}/model.bin", SENTENCEPIECE):
        if not (folder / required).is_file():
            raise TranslationError(f"Argos package {package} lacks {required}")


def _find_member(archive: zipfile.ZipFile, filename: str, package: Path) -> str:
    matches = [n for n in archive.namelist() if PurePosixPath(n).name == filename and n.count("/") <= 1]
    if not matches:
        raise TranslationError(f"Argos package {package} has no {filename}")
    return min(matches, key=len)

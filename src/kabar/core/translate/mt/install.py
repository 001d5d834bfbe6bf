"""``kabar mt install SPEC``: fetch a real model and leave it where the ``ctranslate2`` engine reads it.

Specs:

* ``opus-mt:vi-en`` (newest release listed in the pair's README) or ``opus-mt:vi-en/opus-2020-06-17``:
  an OPUS-MT release zip (a Marian model), converted with CTranslate2's own
  ``OpusMTConverter``, which needs no PyTorch;
* ``argos:en-id``: the newest Argos Translate package for the pair in the Argos index; a
  ``.argosmodel`` already holds a CTranslate2 model and its SentencePiece model, so it is
  checked and kept as it is;
* ``hf:OWNER/NAME`` or ``hf:OWNER/NAME@REVISION``: a Hugging Face model repository, read through
  the Hub's HTTP API. A repository that already holds a CTranslate2 model (``model.bin``) is
  downloaded as it is; a Transformers model is converted with ``TransformersConverter``, which
  needs PyTorch and Transformers (kabar does not depend on them: the error says what to install).

Each base URL (``Endpoints``) is a setting, so a mirror, or a test's local server, stands in
for the real hosts. Every download is streamed, capped, resumable and checked against the
checksum the source publishes (the Hub's LFS sha256 and git blob ids; OPUS-MT and the Argos
index publish none, so those rely on the archives' own CRCs). A model is built in a staging
folder inside ``models_dir`` and renamed into place at the end: an interrupted install
leaves no half model where the engine would load it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from kabar.core.errors import StageError
from kabar.core.translate.mt import argos
from kabar.core.translate.mt.download import (
    DEFAULT_MAX_BYTES,
    Checksum,
    InstallError,
    Progress,
    download,
    extract,
    get_bytes,
)

OPUS_MT_URL = "https://object.pouta.csc.fi/OPUS-MT-models"
ARGOS_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
HF_URL = "https://huggingface.co"

Kind = Literal["opus-mt", "argos", "hf"]

_PAIR = re.compile(r"^([a-z]{2,3})[-_]([a-z]{2,3})$")
_RELEASE = re.compile(r"^[A-Za-z0-9][\w.+-]*$")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
_README_ZIP = re.compile(r"/([A-Za-z0-9][\w.+-]*)\.zip\)")
# What a CTranslate2 model folder needs; a Hub repository may hold much more (other formats).
_CT2_FILES = re.compile(
    r"^(model\.bin|config\.json|(shared|source|target)_vocabulary\.(json|txt)|vocabulary\.(json|txt)|"
    r"source\.spm|target\.spm|sentencepiece\.bpe\.model|spm\.model|sentencepiece\.model|kabar\.json|"
    r"README\.md|LICENSE(\.\w+)?)$"
)
_TRANSFORMERS_WEIGHTS = ("pytorch_model.bin", "model.safetensors")
_SPM_FILES = ("source.spm", "target.spm", "sentencepiece.bpe.model", "spm.model", "sentencepiece.model")


@dataclass(frozen=True)
class Endpoints:
    opus_mt: str = OPUS_MT_URL
    argos_index: str = ARGOS_INDEX_URL
    huggingface: str = HF_URL


@dataclass(frozen=True)
class Spec:
    kind: Kind
    name: str  # "vi-en" (OPUS-MT, Argos) or "owner/name" (HF)
    release: str = ""  # OPUS-MT release, HF revision
    pair: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}" + (f"/{self.release}" if self.release else "")


@dataclass(frozen=True)
class Installed:
    spec: Spec
    path: Path  # the model folder or .argosmodel file, as the engine's "path"
    origin: str  # what was downloaded
    pair: tuple[str, str] | None
    already: bool = False  # it was there and nothing was fetched
    notes: tuple[str, ...] = ()

    @property
    def entry(self) -> dict[str, Any]:
        """The ``models`` entry for ``KABAR_MT_ENGINES["ctranslate2"]``."""
        entry: dict[str, Any] = {"path": str(self.path)}
        if self.pair is None:
            entry.update({"source": "??", "target": "??"})
        return entry


@dataclass
class Options:
    models_dir: Path
    endpoints: Endpoints = field(default_factory=Endpoints)
    force: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    quantization: str = "int8"
    on_progress: Progress | None = None


def parse_spec(text: str) -> Spec:
    """The spec a user typed; ``InstallError(misuse=True)`` naming the forms kabar knows."""
    kind, _, rest = text.strip().partition(":")
    if kind == "opus-mt":
        pair_text, _, release = rest.partition("/")
        pair = _pair(pair_text, text)
        if release and not _RELEASE.match(release):
            raise InstallError(f"{text!r}: {release!r} is not an OPUS-MT release name", misuse=True)
        return Spec("opus-mt", f"{pair[0]}-{pair[1]}", release, pair)
    if kind == "argos":
        pair = _pair(rest, text)
        return Spec("argos", f"{pair[0]}-{pair[1]}", pair=pair)
    if kind == "hf":
        repo, _, revision = rest.partition("@")
        if not _REPO.match(repo) or ".." in repo:
            raise InstallError(f"{text!r}: a Hugging Face spec is hf:OWNER/NAME[@REVISION]", misuse=True)
        return Spec("hf", repo, revision or "main", _pair_of_name(repo.split("/")[1]))
    raise InstallError(
        f"unknown model spec {text!r}; use opus-mt:SRC-TGT[/RELEASE] (e.g. opus-mt:vi-en), "
        "argos:SRC-TGT (e.g. argos:en-id) or hf:OWNER/NAME[@REVISION] (e.g. hf:Helsinki-NLP/opus-mt-vi-en)",
        misuse=True,
    )


def install(spec: Spec, options: Options, http: httpx.Client) -> Installed:
    options.models_dir.mkdir(parents=True, exist_ok=True)
    if spec.kind == "opus-mt":
        return _install_opus_mt(spec, options, http)
    if spec.kind == "argos":
        return _install_argos(spec, options, http)
    return _install_hf(spec, options, http)


def engine_settings(
    installed: Installed, current: Mapping[str, Any], routes: Mapping[str, Any]
) -> dict[str, str]:
    """``KABAR_MT_ENGINES`` (and, where the target has no route yet, ``KABAR_MT_ROUTES``) to use.

    The current ctranslate2 options are kept and the new model is added to (or replaces the
    entry with the same path in) their ``models`` list; Argos packages get a ``cache_dir``.
    """
    engines = json.loads(json.dumps(dict(current)))  # a deep copy of plain JSON
    ct2 = engines.setdefault("ctranslate2", {})
    ct2.pop("data_dir", None)  # added by kabar's settings at start-up, never typed by anyone
    models = [
        m
        for m in ct2.get("models", [])
        if (m.get("path") if isinstance(m, dict) else m) != str(installed.path)
    ]
    ct2["models"] = [*models, installed.entry]
    if installed.spec.kind == "argos" and "cache_dir" not in ct2:
        ct2["cache_dir"] = str(installed.path.parent / "mt-cache")
    out = {"KABAR_MT_ENGINES": json.dumps(engines, ensure_ascii=False)}
    if installed.pair is not None and routes:
        target = installed.pair[1]
        wanted = dict(routes)
        names = list(wanted.get(target, []))
        if "ctranslate2" not in names and "ctranslate2" not in wanted.get("*", []):
            wanted[target] = [*names, "ctranslate2"]
            out["KABAR_MT_ROUTES"] = json.dumps(wanted, ensure_ascii=False)
    return out


# --- OPUS-MT ---------------------------------------------------------------------------------------


def _install_opus_mt(spec: Spec, options: Options, http: httpx.Client) -> Installed:
    assert spec.pair is not None
    base = options.endpoints.opus_mt.rstrip("/")
    final = options.models_dir / f"opus-mt-{spec.name}"
    release = spec.release or _newest_opus_release(http, base, spec.name)
    url = f"{base}/{spec.name}/{release}.zip"
    if _present(final, options):
        return Installed(spec, final, url, spec.pair, already=True)
    archive = download(
        http,
        url,
        _downloads(options) / f"opus-mt-{spec.name}-{release}.zip",
        max_bytes=options.max_bytes,
        on_progress=options.on_progress,
    )
    with _discarded_on_error(archive), _staging(options.models_dir) as staging:
        unpacked = extract(archive, staging / "release", max_bytes=options.max_bytes * 4)
        folder = _marian_folder(unpacked, archive)
        built = staging / "model"
        _convert(
            lambda: _opus_converter(folder).convert(str(built), quantization=options.quantization),
            f"{archive.name} does not convert as an OPUS-MT (Marian) model",
        )
        for name in ("source.spm", "target.spm", "README.md", "LICENSE"):
            if (folder / name).is_file():
                shutil.copy2(folder / name, built / name)
        for name in ("source.spm", "target.spm"):
            if not (built / name).is_file():
                raise InstallError(f"{archive.name} lacks {name}: not an OPUS-MT release")
        _write_meta(built, spec.pair, url)
        _move_into_place(built, final)
    archive.unlink()
    return Installed(spec, final, url, spec.pair, notes=_multi_target_note(folder_readme=final / "README.md"))


def _newest_opus_release(http: httpx.Client, base: str, pair: str) -> str:
    """The last release listed in the pair's README.md (OPUS-MT lists them oldest first)."""
    readme_url = f"{base}/{pair}/README.md"
    text = get_bytes(http, readme_url).decode("utf-8", "replace")
    releases = _README_ZIP.findall(text)
    if not releases:
        raise InstallError(
            f"{readme_url} lists no release zip; name one, e.g. opus-mt:{pair}/opus-2020-06-17"
        )
    return str(releases[-1])


def _marian_folder(unpacked: Path, archive: Path) -> Path:
    found = sorted(unpacked.rglob("decoder.yml"), key=lambda p: len(p.parts))
    if not found:
        raise InstallError(f"{archive.name} has no decoder.yml: not an OPUS-MT (Marian) release")
    return found[0].parent


def _opus_converter(folder: Path) -> Any:
    from ctranslate2.converters import OpusMTConverter  # imports numpy and yaml: only when needed

    return OpusMTConverter(str(folder))


def _multi_target_note(folder_readme: Path) -> tuple[str, ...]:
    """Multi-target OPUS-MT models need a ``>>xxx<<`` token before every sentence: say so."""
    if folder_readme.is_file() and "target language token" in folder_readme.read_text("utf-8", "replace"):
        return (
            'its README says every sentence needs a target-language token: add "source_prefix": '
            '">>xxx<<" (the token the README names) to the model\'s entry',
        )
    return ()


# --- Argos -----------------------------------------------------------------------------------------


def _install_argos(spec: Spec, options: Options, http: httpx.Client) -> Installed:
    assert spec.pair is not None
    index_url = options.endpoints.argos_index
    entry = _argos_entry(http, index_url, spec.pair)
    version = str(entry.get("package_version", "0"))
    links = [str(link) for link in entry.get("links", []) if str(link).startswith(("http://", "https://"))]
    if not links:
        raise InstallError(f"{index_url}: the {spec.name} package lists no download link")
    name = f"translate-{spec.pair[0]}_{spec.pair[1]}-{version.replace('.', '_')}.argosmodel"
    final = options.models_dir / name
    if _present(final, options):
        return Installed(spec, final, links[0], spec.pair, already=True)
    sha = entry.get("sha256") or entry.get("checksum")
    checksum = Checksum("sha256", str(sha)) if isinstance(sha, str) and len(sha) == 64 else None
    package = download(
        http,
        links[0],
        _downloads(options) / name,
        max_bytes=options.max_bytes,
        checksum=checksum,
        on_progress=options.on_progress,
    )
    with _discarded_on_error(package), _staging(options.models_dir) as staging:
        # Unpacked once here, with the checks the engine makes, so a bad package fails now.
        extract(package, staging / "check", max_bytes=options.max_bytes * 4)
        try:
            unpacked = argos.unpack(package, staging / "cache", max_bytes=options.max_bytes * 4)
            meta = argos.read_unpacked_metadata(unpacked)
        except StageError as exc:
            raise InstallError(f"{package.name}: not a usable Argos package ({exc.reason})") from None
        if (meta.from_code, meta.to_code) != spec.pair:
            raise InstallError(
                f"{package.name} translates {meta.from_code}→{meta.to_code}, not {spec.pair[0]}→{spec.pair[1]}"
            )
    _move_into_place(package, final)
    return Installed(spec, final, links[0], spec.pair)


def _argos_entry(http: httpx.Client, index_url: str, pair: tuple[str, str]) -> dict[str, Any]:
    try:
        index = json.loads(get_bytes(http, index_url))
    except ValueError as exc:
        raise InstallError(f"{index_url}: not a JSON package index ({exc})") from None
    if not isinstance(index, list):
        raise InstallError(f"{index_url}: not an Argos package index (expected a JSON list)")
    entries = [
        e
        for e in index
        if isinstance(e, dict)
        and (e.get("from_code"), e.get("to_code")) == pair
        and e.get("type", e.get("package_type", "translate")) == "translate"
    ]
    if not entries:
        offered = sorted({f"{e.get('from_code')}-{e.get('to_code')}" for e in index if isinstance(e, dict)})
        raise InstallError(
            f"the Argos index has no {pair[0]}→{pair[1]} package; it offers: {', '.join(offered) or 'nothing'}"
        )
    return max(entries, key=lambda e: _version_key(str(e.get("package_version", "0"))))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[._-]", version))


# --- Hugging Face --------------------------------------------------------------------------------------


def _install_hf(spec: Spec, options: Options, http: httpx.Client) -> Installed:
    base = options.endpoints.huggingface.rstrip("/")
    repo, revision = spec.name, spec.release
    final = options.models_dir / repo.split("/")[1]
    origin = f"{base}/{repo}"
    if _present(final, options):
        return Installed(spec, final, origin, _folder_pair(final, spec), already=True)
    files = _hf_files(http, base, repo, revision)
    if "model.bin" in files:
        wanted = {path: info for path, info in files.items() if _CT2_FILES.match(path)}
        convert = False
    elif "config.json" in files and any(w in files for w in _TRANSFORMERS_WEIGHTS):
        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            raise InstallError(
                f"{repo} is a Transformers model; converting it to CTranslate2 needs PyTorch and "
                f"Transformers, and {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
                "installed here. Either install them into kabar's environment "
                "(pip install torch transformers sentencepiece) and run this again, or convert on another "
                "machine with ct2-transformers-converter (docs/translation-engines.md), or pick a "
                "repository that already holds a CTranslate2 model (one with model.bin)"
            )
        wanted = {
            path: info
            for path, info in files.items()
            if "/" not in path and not path.endswith((".h5", ".msgpack", ".ot", ".onnx"))
        }
        if "model.safetensors" in wanted:
            wanted.pop("pytorch_model.bin", None)  # one copy of the weights is enough
        convert = True
    else:
        raise InstallError(
            f"{repo} at {revision} holds neither a CTranslate2 model (model.bin) nor a Transformers "
            "model (config.json with pytorch_model.bin or model.safetensors)"
        )
    with _staging(options.models_dir) as staging:
        fetched = staging / "repo"
        for path, info in sorted(wanted.items()):
            url = f"{base}/{quote(repo)}/resolve/{quote(revision, safe='')}/{quote(path)}"
            download(
                http,
                url,
                fetched / path,
                max_bytes=options.max_bytes,
                checksum=info.checksum,
                size=info.size,
                on_progress=options.on_progress,
            )
        if convert:
            built = staging / "model"
            spm_files = [name for name in _SPM_FILES if (fetched / name).is_file()]
            _convert(
                lambda: _transformers_converter(fetched, spm_files).convert(
                    str(built), quantization=options.quantization
                ),
                f"{repo} does not convert with CTranslate2's TransformersConverter",
            )
        else:
            built = fetched
        pair = _folder_pair(built, spec)
        if pair is not None and not (built / "kabar.json").is_file():
            _write_meta(built, pair, origin)
        _move_into_place(built, final)
    notes = () if pair else (f"kabar cannot tell the language pair of {repo}: set source and target",)
    return Installed(spec, final, origin, pair, notes=notes)


@dataclass(frozen=True)
class _HubFile:
    size: int | None
    checksum: Checksum | None


def _hf_files(http: httpx.Client, base: str, repo: str, revision: str) -> dict[str, _HubFile]:
    url = f"{base}/api/models/{quote(repo)}/tree/{quote(revision, safe='')}?recursive=true"
    try:
        listing = json.loads(get_bytes(http, url))
    except ValueError as exc:
        raise InstallError(f"{url}: not a JSON file listing ({exc})") from None
    if not isinstance(listing, list):
        raise InstallError(f"{url}: not a Hugging Face file listing")
    files: dict[str, _HubFile] = {}
    for item in listing:
        if not isinstance(item, dict) or item.get("type") != "file" or not isinstance(item.get("path"), str):
            continue
        path = item["path"]
        if path.startswith("/") or ".." in path.split("/"):
            raise InstallError(f"{url}: the listing names an unsafe path {path!r}; refused")
        lfs = item.get("lfs")
        checksum = None
        if isinstance(lfs, dict) and isinstance(lfs.get("oid"), str):
            checksum = Checksum("sha256", lfs["oid"])
        elif isinstance(item.get("oid"), str):
            checksum = Checksum("git-blob", item["oid"])
        size = lfs.get("size") if isinstance(lfs, dict) else item.get("size")
        files[path] = _HubFile(size if isinstance(size, int) else None, checksum)
    return files


def _transformers_converter(folder: Path, copy_files: list[str]) -> Any:
    from ctranslate2.converters import TransformersConverter

    return TransformersConverter(str(folder), copy_files=copy_files or None)


def _folder_pair(folder: Path, spec: Spec) -> tuple[str, str] | None:
    meta = folder / "kabar.json"
    if meta.is_file():
        try:
            data = json.loads(meta.read_text("utf-8"))
            return (str(data["source"]), str(data["target"]))
        except (ValueError, KeyError, TypeError):
            return None
    return spec.pair


def _pair_of_name(name: str) -> tuple[str, str] | None:
    """``opus-mt-vi-en`` -> (vi, en); the Hub's names end in the pair by convention."""
    match = re.search(r"(?:^|[-_.])([a-z]{2,3})[-_]([a-z]{2,3})(?:[-_.]ct2|[-_.]ctranslate2)?$", name.lower())
    return (match.group(1), match.group(2)) if match else None


# --- shared ----------------------------------------------------------------------------------------


def _pair(text: str, spec: str) -> tuple[str, str]:
    match = _PAIR.match(text.strip().lower())
    if not match:
        raise InstallError(
            f"{spec!r}: {text!r} is not a language pair; write it as SRC-TGT with ISO codes, e.g. vi-en",
            misuse=True,
        )
    if match.group(1) == match.group(2):
        raise InstallError(f"{spec!r}: source and target are both {match.group(1)}", misuse=True)
    return match.group(1), match.group(2)


def _present(final: Path, options: Options) -> bool:
    return final.exists() and not options.force


def _downloads(options: Options) -> Path:
    return options.models_dir / ".downloads"


@contextmanager
def _discarded_on_error(download: Path) -> Iterator[None]:
    """A complete download that turns out unusable is deleted: a new run fetches it afresh."""
    try:
        yield
    except InstallError:
        download.unlink(missing_ok=True)
        raise


@contextmanager
def _staging(models_dir: Path) -> Iterator[Path]:
    """A scratch folder beside the models (same file system, so the final rename is atomic)."""
    folder = Path(tempfile.mkdtemp(prefix=".installing-", dir=models_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _move_into_place(built: Path, final: Path) -> None:
    """Replace ``final`` by ``built``; the old model is moved aside first and removed after."""
    old = final.with_name(f".{final.name}.old")
    if final.exists():
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        os.replace(final, old)
    os.replace(built, final)
    if old.exists():
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def _convert(run: Callable[[], object], what: str) -> None:
    try:
        run()
    except InstallError:
        raise
    except Exception as exc:  # the converters raise anything from KeyError to their own errors
        raise InstallError(f"{what}: {type(exc).__name__}: {exc}") from None


def _write_meta(folder: Path, pair: tuple[str, str], origin: str) -> None:
    data = {"source": pair[0], "target": pair[1], "installed_from": origin}
    (folder / "kabar.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

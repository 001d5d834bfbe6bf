"""Local CTranslate2 models as a kabar MT engine.

Options (``KABAR_MT_ENGINES["ctranslate2"]``)::

    {"models": [{"path": "/models/opus-mt-vi-en"},
                {"path": "/models/nllb-200-distilled-600M", "kind": "multilingual",
                 "languages": ["vi", "en", "id"]},
                {"path": "/models/translate-vi_en-1_0.argosmodel"}],
     "device": "cpu", "compute_type": "int8", "beam_size": 2, "max_batch_tokens": 1024}

A model is a CTranslate2 folder plus SentencePiece models: ``source.spm`` and
``target.spm`` (OPUS-MT), or one shared ``sentencepiece.bpe.model`` /
``spm.model`` / ``sentencepiece.model``. Its language pair comes from the entry's
``source``/``target``, from ``kabar.json`` in the folder, or from a folder name
ending in ``-vi-en``. Multilingual models (NLLB-200, M2M-100) take a source
language token and a forced target prefix; their languages come from the entry,
``kabar.json`` or the language tokens in the vocabulary. Argos packages are
unpacked once into ``cache_dir`` (see ``argos``). When several models offer a
pair, the first listed wins. Models load on first use, once, behind a lock.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import ctranslate2
import sentencepiece as spm

from kabar.core.errors import NotConfigured, StageError, TooLarge
from kabar.core.translate.mt import (
    STAGE,
    TranslationError,
    all_pairs,
    argos,
    check_batch,
    warn_unknown_options,
)

log = logging.getLogger("kabar.mt.ct2")

# ISO 639-1 -> FLORES-200 codes used as language tokens by NLLB-200.
NLLB_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ar": "arb_Arab", "de": "deu_Latn", "en": "eng_Latn", "es": "spa_Latn", "fr": "fra_Latn",
        "hi": "hin_Deva", "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "km": "khm_Khmr",
        "ko": "kor_Hang", "lo": "lao_Laoo", "ms": "zsm_Latn", "my": "mya_Mymr", "nl": "nld_Latn",
        "pl": "pol_Latn", "pt": "por_Latn", "ru": "rus_Cyrl", "th": "tha_Thai", "tl": "tgl_Latn",
        "tr": "tur_Latn", "uk": "ukr_Cyrl", "vi": "vie_Latn", "zh": "zho_Hans",
    }
)  # fmt: skip
_SHARED_SPM = ("sentencepiece.bpe.model", "spm.model", "sentencepiece.model")
_DIR_PAIR = re.compile(r"(?:^|[-_.])([a-z]{2,3})[-_]([a-z]{2,3})$")
_M2M_TOKEN = re.compile(r"^__([a-z]{2,3})__$")
_OUTPUT_NOISE = frozenset({"<s>", "</s>", "<pad>"})

Kind = Literal["bilingual", "multilingual", "argos"]


@dataclass(frozen=True)
class ModelEntry:
    """One configured model, described without loading it."""

    path: Path
    kind: Kind
    pairs: frozenset[tuple[str, str]]
    version: str
    language_tokens: Mapping[str, str] = field(default_factory=dict)  # multilingual: code -> token
    add_eos: bool = True  # append </s> to the source, as Marian/NLLB training did; Argos does not
    # Tokens put before every source sentence of a bilingual model, e.g. [">>vie<<"] for
    # OPUS-MT models trained on several target languages (opus-mt-en-vi's card requires it).
    source_prefix: tuple[str, ...] = ()


@dataclass
class _LoadedModel:
    translator: Any  # ctranslate2.Translator (untyped)
    source_sp: Any  # sentencepiece.SentencePieceProcessor (untyped)
    target_sp: Any
    target_prefix: list[str]  # forced by an Argos package's metadata; multilingual adds its own


def describe_model(entry: Mapping[str, Any] | str) -> ModelEntry:
    """Resolve one ``models`` entry: kind, language pairs and version, without loading weights.

    Raises ``ValueError`` with a reason when the entry cannot be used.
    """
    options: Mapping[str, Any] = {"path": entry} if isinstance(entry, str) else entry
    if not options.get("path"):
        raise ValueError(f"model entry {dict(options)!r} has no 'path'")
    path = Path(str(options["path"])).expanduser()
    if not path.exists():
        raise ValueError(f"model path {path} does not exist")
    if argos.is_package(path) or argos.is_unpacked(path):
        return _describe_argos(path, options)
    if not (path / "model.bin").is_file():
        raise ValueError(f"{path} is neither a CTranslate2 model folder (no model.bin) nor an Argos package")
    meta = _read_json(path / "kabar.json")
    merged = {**meta, **options}
    version = f"{path.name}@{argos.fingerprint(path / 'model.bin')}"
    add_eos = bool(merged.get("add_eos", not _read_json(path / "config.json").get("add_source_eos", False)))
    if merged.get("kind") == "multilingual" or "languages" in merged:
        tokens = _language_tokens(path, merged)
        return ModelEntry(path, "multilingual", frozenset(all_pairs(tokens)), version, tokens, add_eos)
    pair = _bilingual_pair(path, merged)
    prefix = merged.get("source_prefix") or ()
    prefix = (prefix,) if isinstance(prefix, str) else tuple(str(t) for t in prefix)
    return ModelEntry(path, "bilingual", frozenset({pair}), version, add_eos=add_eos, source_prefix=prefix)


def _describe_argos(path: Path, options: Mapping[str, Any]) -> ModelEntry:
    version = f"{path.stem}@{argos.fingerprint(path if path.is_file() else path / 'model' / 'model.bin')}"
    try:
        meta = argos.read_metadata(path) if path.is_file() else argos.read_unpacked_metadata(path)
        pair: tuple[str, str] | None = (meta.from_code, meta.to_code)
        version += f"-v{meta.package_version}" if meta.package_version else ""
    except StageError as exc:
        # Fall back to the file name so the model keeps its pair and the
        # broken package is reported when a document needs it.
        pair = argos.codes_from_filename(path)
        log.warning("%s (pair taken from the file name: %s)", exc.reason, pair)
    if options.get("source") and options.get("target"):
        pair = (str(options["source"]), str(options["target"]))
    if pair is None:
        raise ValueError(f"cannot tell the language pair of Argos package {path}")
    return ModelEntry(path, "argos", frozenset({pair}), version, add_eos=bool(options.get("add_eos", False)))


def _bilingual_pair(path: Path, options: Mapping[str, Any]) -> tuple[str, str]:
    if options.get("source") and options.get("target"):
        return str(options["source"]), str(options["target"])
    match = _DIR_PAIR.search(path.name.lower())
    if match:
        return match.group(1), match.group(2)
    raise ValueError(
        f"cannot tell the language pair of {path}: name it like 'opus-mt-vi-en', add kabar.json "
        '{"source": "vi", "target": "en"}, or give "source" and "target" in its entry'
    )


def _language_tokens(path: Path, options: Mapping[str, Any]) -> dict[str, str]:
    """Language code -> the token the model uses for it, for a multilingual model."""
    explicit = options.get("language_tokens")
    if isinstance(explicit, Mapping):
        return {str(k): str(v) for k, v in explicit.items()}
    declared = options.get("languages")
    style = options.get("style")
    if declared is None or style is None:
        vocabulary = _read_vocabulary(path)
        style = style or ("nllb" if "eng_Latn" in vocabulary else "m2m")
        if declared is None:
            if style == "nllb":
                declared = [code for code, token in NLLB_CODES.items() if token in vocabulary]
            else:
                declared = [m.group(1) for t in vocabulary if (m := _M2M_TOKEN.match(t))]
    if not declared:
        raise ValueError(f"no languages found for multilingual model {path}: give 'languages' in its entry")
    if style == "nllb":
        missing = [code for code in declared if code not in NLLB_CODES]
        if missing:
            raise ValueError(f"no NLLB code known for {missing} in {path}: give 'language_tokens'")
        return {code: NLLB_CODES[code] for code in declared}
    return {code: f"__{code}__" for code in declared}


def _read_vocabulary(path: Path) -> set[str]:
    for stem in ("shared_vocabulary", "target_vocabulary"):
        if (path / f"{stem}.json").is_file():
            return set(json.loads((path / f"{stem}.json").read_text(encoding="utf-8")))
        if (path / f"{stem}.txt").is_file():
            return set((path / f"{stem}.txt").read_text(encoding="utf-8").splitlines())
    return set()


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


class CTranslate2Engine:
    """Translates with local CTranslate2 models; see the module docstring for options."""

    name: ClassVar[str] = "ctranslate2"
    honours_glossary = False

    def __init__(
        self,
        *,
        models: Sequence[Mapping[str, Any] | str] | None = None,
        device: str = "cpu",
        compute_type: str | None = None,
        inter_threads: int = 1,
        intra_threads: int = 0,
        beam_size: int = 2,
        # Sentences per call. CTranslate2 sorts a call's sentences by length and cuts them into
        # batches of ``max_batch_tokens`` itself, so a large call packs batches full while memory
        # stays bounded by the token limit; small calls leave half-empty batches (measured: four
        # calls of 64 ran ~20% slower than one call of 256 on the same text).
        max_batch: int = 512,
        max_batch_tokens: int = 1024,
        max_decoding_length: int = 256,
        max_input_tokens: int = 1024,
        max_chars: int = 200_000,
        cache_dir: str | None = None,
        data_dir: str | None = None,
        **unknown: Any,
    ) -> None:
        if not models:
            raise NotConfigured("no models configured (option 'models')")
        warn_unknown_options(self.name, unknown)
        entries, problems = [], []
        for model in models:
            try:
                entries.append(describe_model(model))
            except (ValueError, OSError) as exc:
                problems.append(str(exc))
                log.warning("ctranslate2: skipping a model: %s", exc)
        if not entries:
            raise NotConfigured("no usable model: " + "; ".join(problems))
        self.entries: tuple[ModelEntry, ...] = tuple(entries)
        self.max_batch = max_batch
        self.device = device
        self.compute_type = compute_type or ("int8" if device == "cpu" else "default")
        self.inter_threads = inter_threads
        self.intra_threads = intra_threads
        self.beam_size = beam_size
        self.max_batch_tokens = max_batch_tokens
        self.max_decoding_length = max_decoding_length
        self.max_input_tokens = max_input_tokens
        self.max_chars = max_chars
        # Argos packages unpack here; with neither option, into a private temp folder on first use.
        self._cache_dir: Path | None = None
        if cache_dir:
            self._cache_dir = Path(cache_dir)
        elif data_dir:
            self._cache_dir = Path(data_dir) / "mt-cache"
        self._loaded: dict[Path, _LoadedModel] = {}
        self._lock = threading.Lock()

    @property
    def model_version(self) -> str:
        return "+".join(entry.version for entry in self.entries)

    def model_version_for(self, source: str, target: str) -> str:
        """The version of the one model that serves this pair (``model_version`` covers them all)."""
        return self._entry_for(source, target).version

    def pairs(self) -> set[tuple[str, str]]:
        return {pair for entry in self.entries for pair in entry.pairs}

    def translate(
        self,
        segments: Sequence[str],
        source: str,
        target: str,
        glossary: Mapping[str, str] | None = None,
    ) -> list[str]:
        """One translation per segment; line breaks inside a segment are kept.

        ``glossary`` is ignored: the caller protects terms for engines that do
        not honour one.
        """
        check_batch(segments, self.max_chars)
        entry = self._entry_for(source, target)
        # Each line is translated as its own sentence and the breaks are put
        # back, because SentencePiece would turn them into spaces.
        lines = [line for segment in segments for line in segment.split("\n")]
        todo = [i for i, line in enumerate(lines) if line.strip()]
        if todo:
            loaded = self._load(entry)
            for i, text in zip(
                todo, self._run(entry, loaded, [lines[i] for i in todo], source, target), strict=True
            ):
                lines[i] = text
        out, start = [], 0
        for segment in segments:
            count = segment.count("\n") + 1
            out.append("\n".join(lines[start : start + count]))
            start += count
        return out

    def _entry_for(self, source: str, target: str) -> ModelEntry:
        for entry in self.entries:
            if (source, target) in entry.pairs:
                return entry
        offered = ", ".join(f"{a}->{b}" for a, b in sorted(self.pairs()))
        raise TranslationError(f"ctranslate2 has no model for {source}->{target} (it has {offered})")

    def _load(self, entry: ModelEntry) -> _LoadedModel:
        with self._lock:
            loaded = self._loaded.get(entry.path)
            if loaded is None:
                loaded = self._loaded[entry.path] = self._open(entry)
                log.info("ctranslate2: loaded %s on %s (%s)", entry.version, self.device, self.compute_type)
            return loaded

    def _open(self, entry: ModelEntry) -> _LoadedModel:
        prefix: list[str] = []
        if entry.kind == "argos":
            folder = entry.path
            if entry.path.is_file():
                folder = argos.unpack(entry.path, self._argos_cache())
            meta = argos.read_unpacked_metadata(folder)
            prefix = [meta.target_prefix] if meta.target_prefix else []
            model_dir, source_spm = folder / argos.MODEL_DIR, folder / argos.SENTENCEPIECE
            target_spm = source_spm
        else:
            model_dir = entry.path
            source_spm, target_spm = _sentencepiece_files(entry.path)
        try:
            translator = ctranslate2.Translator(
                str(model_dir),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=self.inter_threads,
                intra_threads=self.intra_threads,
            )
            source_sp = spm.SentencePieceProcessor(model_file=str(source_spm))
            target_sp = (
                source_sp
                if target_spm == source_spm
                else spm.SentencePieceProcessor(model_file=str(target_spm))
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranslationError(f"could not load model {entry.path}: {exc}") from None
        return _LoadedModel(translator, source_sp, target_sp, prefix)

    def _argos_cache(self) -> Path:
        if self._cache_dir is None:
            self._cache_dir = Path(tempfile.mkdtemp(prefix="kabar-mt-cache-"))
        return self._cache_dir

    def _run(
        self, entry: ModelEntry, loaded: _LoadedModel, texts: list[str], source: str, target: str
    ) -> list[str]:
        prefix = list(loaded.target_prefix)
        tokens_before: list[str] = list(entry.source_prefix)
        if entry.kind == "multilingual":
            tokens_before, prefix = [entry.language_tokens[source]], [entry.language_tokens[target]]
        batch = []
        for text in texts:
            tokens = [*tokens_before, *loaded.source_sp.encode(text.strip(), out_type=str)]
            if entry.add_eos:
                tokens.append("</s>")
            if len(tokens) > self.max_input_tokens:
                raise TooLarge(
                    f"a segment is {len(tokens)} tokens long, the limit is {self.max_input_tokens} "
                    f"(it starts {text[:60]!r})",
                    stage=STAGE,
                )
            batch.append(tokens)
        try:
            results = loaded.translator.translate_batch(
                batch,
                target_prefix=[prefix] * len(batch) if prefix else None,
                max_batch_size=self.max_batch_tokens,
                batch_type="tokens",
                beam_size=self.beam_size,
                max_decoding_length=self.max_decoding_length,
                max_input_length=self.max_input_tokens,
                replace_unknowns=entry.kind == "argos",
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(f"CTranslate2 failed with {entry.version}: {exc}") from None
        drop = _OUTPUT_NOISE | set(entry.language_tokens.values())
        decode: Callable[[list[str]], str] = (
            _argos_detokenize if entry.kind == "argos" else loaded.target_sp.decode
        )
        outputs = []
        for result in results:
            hypothesis: list[str] = list(result.hypotheses[0])
            if prefix and hypothesis[: len(prefix)] == prefix:
                hypothesis = hypothesis[len(prefix) :]
            outputs.append(decode([t for t in hypothesis if t not in drop]).strip())
        if len(outputs) != len(texts):
            raise TranslationError(f"CTranslate2 returned {len(outputs)} outputs for {len(texts)} inputs")
        return outputs


def _argos_detokenize(pieces: list[str]) -> str:
    # Argos joins pieces itself rather than asking SentencePiece, so unknown
    # pieces copied from the source by replace_unknowns survive intact.
    return "".join(pieces).replace("\u2581", " ")


def _sentencepiece_files(folder: Path) -> tuple[Path, Path]:
    if (folder / "source.spm").is_file() and (folder / "target.spm").is_file():
        return folder / "source.spm", folder / "target.spm"
    for name in _SHARED_SPM:
        if (folder / name).is_file():
            return folder / name, folder / name
    raise TranslationError(
        f"no SentencePiece model in {folder} (looked for source.spm/target.spm, {', '.join(_SHARED_SPM)})"
    )

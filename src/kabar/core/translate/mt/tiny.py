"""Tiny but real CTranslate2 translation models, built in well under a second.

Tests, the demo and the benchmark need a model that goes through exactly the
code a production model does (SentencePiece tokenisation, a CTranslate2
``Translator``, beam search, detokenisation) without downloading weights. These
builders train real SentencePiece models on a small synthetic parallel corpus
and save a small Transformer with seeded random weights through CTranslate2's
own spec API. The output is fluent gibberish, which is all the mechanics need.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import sentencepiece as spm
from ctranslate2.specs import transformer_spec

from kabar.core.translate.mt.ct2 import NLLB_CODES

Corpus = Sequence[tuple[str, ...]]

# Each row holds the same phrase in Vietnamese, English and Indonesian; sentences
# are "<subject> <action> <time>." so every combination reads naturally.
_SUBJECTS = (
    ("Chính phủ", "The government", "Pemerintah"),
    ("Thủ tướng", "The prime minister", "Perdana menteri"),
    ("Người dân", "Residents", "Warga"),
    ("Bộ Y tế", "The health ministry", "Kementerian Kesehatan"),
    ("Thành phố Hà Nội", "Hanoi city", "Kota Hanoi"),
    ("Các nhà khoa học", "Scientists", "Para ilmuwan"),
    ("Công ty điện lực", "The power company", "Perusahaan listrik"),
    ("Học sinh", "Students", "Para siswa"),
)
_ACTIONS = (
    ("công bố kế hoạch mới", "announced a new plan", "mengumumkan rencana baru"),
    ("xây dựng cây cầu", "built a bridge", "membangun jembatan"),
    ("tăng giá điện", "raised electricity prices", "menaikkan harga listrik"),
    ("mở trường học", "opened a school", "membuka sekolah"),
    ("trồng cây xanh", "planted trees", "menanam pohon"),
    ("tổ chức họp báo", "held a press conference", "mengadakan konferensi pers"),
)
_TIMES = (
    ("hôm nay", "today", "hari ini"),
    ("hôm qua", "yesterday", "kemarin"),
    ("tuần trước", "last week", "minggu lalu"),
    ("vào sáng thứ Hai", "on Monday morning", "pada Senin pagi"),
)
_COLUMNS: Mapping[str, int] = MappingProxyType({"vi": 0, "en": 1, "id": 2})

Style = Literal["nllb", "m2m"]


def tiny_corpus(
    languages: Sequence[str] = ("vi", "en"), size: int = 120, seed: int = 0
) -> list[tuple[str, ...]]:
    """Up to ``size`` parallel sentences (one tuple per sentence, one column per language)."""
    unknown = [code for code in languages if code not in _COLUMNS]
    if unknown:
        raise ValueError(f"tiny corpus has no sentences in {unknown}; it knows {sorted(_COLUMNS)}")
    rows = [(s, a, t) for s in _SUBJECTS for a in _ACTIONS for t in _TIMES]
    random.Random(seed).shuffle(rows)
    corpus = []
    for subject, action, time in rows[:size]:
        corpus.append(
            tuple(f"{subject[_COLUMNS[c]]} {action[_COLUMNS[c]]} {time[_COLUMNS[c]]}." for c in languages)
        )
    return corpus


def build_tiny_model(
    out_dir: Path | str,
    source: str = "vi",
    target: str = "en",
    corpus: Corpus | None = None,
    vocab_size: int = 400,
    layers: int = 2,
    d_model: int = 64,
    heads: int = 4,
    seed: int = 0,
) -> Path:
    """A bilingual model in OPUS-MT layout: ct2 files, ``source.spm``, ``target.spm``, ``kabar.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = corpus if corpus is not None else tiny_corpus((source, target), seed=seed)
    source_sp = _train_sentencepiece([row[0] for row in pairs], vocab_size)
    target_sp = _train_sentencepiece([row[1] for row in pairs], vocab_size)
    (out / "source.spm").write_bytes(source_sp)
    (out / "target.spm").write_bytes(target_sp)
    _save_transformer(
        out, _pieces(source_sp), _pieces(target_sp), layers=layers, d_model=d_model, heads=heads, seed=seed
    )
    _write_json(out / "kabar.json", {"source": source, "target": target})
    return out


def build_tiny_multilingual(
    out_dir: Path | str,
    languages: Sequence[str] = ("vi", "en", "id"),
    style: Style = "nllb",
    vocab_size: int = 500,
    layers: int = 2,
    d_model: int = 64,
    heads: int = 4,
    seed: int = 0,
    declare_languages: bool = True,
) -> Path:
    """A multilingual model with language tokens in its shared vocabulary (NLLB or M2M-100 style).

    With ``declare_languages`` false, ``kabar.json`` names only the kind and the
    engine must find the languages from the language tokens in the vocabulary.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = tiny_corpus(languages, seed=seed)
    sp = _train_sentencepiece([text for row in rows for text in row], vocab_size)
    (out / "sentencepiece.bpe.model").write_bytes(sp)
    if style == "nllb":
        tokens = [NLLB_CODES[code] for code in languages]
    else:
        tokens = [f"__{code}__" for code in languages]
    vocabulary = _pieces(sp) + tokens
    _save_transformer(out, vocabulary, vocabulary, layers=layers, d_model=d_model, heads=heads, seed=seed)
    meta: dict[str, Any] = {"kind": "multilingual", "style": style}
    if declare_languages:
        meta["languages"] = list(languages)
    _write_json(out / "kabar.json", meta)
    return out


def package_argos(
    model_dir: Path | str,
    out_path: Path | str,
    from_code: str,
    to_code: str,
    package_version: str = "1.0",
) -> Path:
    """Wrap a tiny bilingual model as an Argos Translate ``.argosmodel`` zip.

    Argos packages hold one top-level folder with ``metadata.json``, the
    CTranslate2 model under ``model/`` and one ``sentencepiece.model`` shared by
    both sides, so the source-side SentencePiece model stands in for it.
    """
    model_dir = Path(model_dir)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    top = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    metadata = {
        "package_version": package_version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "type": "translate",
    }
    spm_file = model_dir / "source.spm"
    if not spm_file.exists():
        spm_file = model_dir / "sentencepiece.bpe.model"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{top}/metadata.json", json.dumps(metadata, indent=2))
        archive.write(spm_file, f"{top}/sentencepiece.model")
        for item in sorted(model_dir.iterdir()):
            if item.name.endswith((".json", ".bin")) and item.name != "kabar.json":
                archive.write(item, f"{top}/model/{item.name}")
        archive.writestr(f"{top}/README.md", "Tiny random-weight model built by kabar for tests.\n")
    return out


def package_opus_mt_release(
    out_path: Path | str,
    source: str = "vi",
    target: str = "en",
    corpus: Corpus | None = None,
    vocab_size: int = 400,
    layers: int = 2,
    d_model: int = 64,
    heads: int = 4,
    seed: int = 0,
) -> Path:
    """A tiny OPUS-MT release zip, laid out as Helsinki-NLP publishes them.

    It holds a Marian model (``.npz`` with Marian's own weight names and its
    ``special:model.yml`` config), ``decoder.yml`` naming it and the vocabulary,
    ``source.spm``/``target.spm`` and the joint ``.vocab.yml``: what
    ``ctranslate2.converters.OpusMTConverter`` reads, so the conversion is the real one.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pairs = corpus if corpus is not None else tiny_corpus((source, target), seed=seed)
    # One SentencePiece model for both sides, so that the joint vocabulary (as OPUS-MT's
    # "spm32k-spm32k" models have) holds only pieces the target side can decode; Marian's </s>
    # and <unk> come first.
    joint_sp = _train_sentencepiece([text for row in pairs for text in row[:2]], vocab_size)
    source_sp = target_sp = joint_sp
    vocabulary = list(dict.fromkeys(["</s>", "<unk>", *_pieces(joint_sp)]))
    model_name = "opus.spm32k-spm32k.transformer-align.model1.npz.best-perplexity.npz"
    vocab_name = "opus.spm32k-spm32k.vocab.yml"
    weights = _marian_weights(vocabulary, layers=layers, d_model=d_model, heads=heads, seed=seed)
    npz = io.BytesIO()
    np.savez(npz, **weights)  # type: ignore[arg-type]  # numpy's stub types the first keyword only
    vocab_yml = "".join(
        f"{json.dumps(token, ensure_ascii=False)}: {i}\n" for i, token in enumerate(vocabulary)
    )
    decoder_yml = (
        f"models:\n  - {model_name}\nvocabs:\n  - {vocab_name}\n  - {vocab_name}\n"
        "beam-size: 6\nnormalize: 0.6\nword-penalty: 0\nmini-batch: 1\nmaxi-batch: 1\n"
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(model_name, npz.getvalue())
        archive.writestr(vocab_name, vocab_yml)
        archive.writestr("decoder.yml", decoder_yml)
        archive.writestr("source.spm", source_sp)
        archive.writestr("target.spm", target_sp)
        archive.writestr(
            "README.md", f"# {source}-{target}\n\nTiny random-weight model built by kabar for tests.\n"
        )
        archive.writestr("LICENSE", "Tiny test model: no rights reserved.\n")
    return out


def _marian_weights(
    vocabulary: list[str], *, layers: int, d_model: int, heads: int, seed: int, eos_bias: float = 4.5
) -> dict[str, npt.NDArray[Any]]:
    """Seeded random weights under Marian's names for a post-norm Transformer with tied embeddings."""
    rng = np.random.default_rng(seed)
    ffn = d_model * 2
    weights: dict[str, npt.NDArray[Any]] = {}

    def dense(rows: int, cols: int) -> npt.NDArray[np.float32]:
        return rng.normal(0.0, 0.2, size=(rows, cols)).astype(np.float32)

    def linear(name: tuple[str, str], inputs: int, outputs: int) -> None:  # Marian's W is (in, out)
        scope, suffix = name
        weights[f"{scope}_W{suffix}"] = dense(inputs, outputs)
        weights[f"{scope}_b{suffix}"] = np.zeros((1, outputs), dtype=np.float32)

    def norm(scope: str) -> None:
        weights[f"{scope}_ln_scale"] = np.ones((1, d_model), dtype=np.float32)
        weights[f"{scope}_ln_bias"] = np.zeros((1, d_model), dtype=np.float32)

    def attention(scope: str) -> None:
        for part in "qkvo":
            linear((scope, part), d_model, d_model)
        norm(f"{scope}_Wo")

    def feed_forward(scope: str) -> None:
        linear((scope, "1"), d_model, ffn)
        linear((scope, "2"), ffn, d_model)
        norm(f"{scope}_ffn")

    weights["Wemb"] = dense(len(vocabulary), d_model)  # shared by encoder, decoder and output
    for i in range(1, layers + 1):
        attention(f"encoder_l{i}_self")
        feed_forward(f"encoder_l{i}_ffn")
        attention(f"decoder_l{i}_self")
        attention(f"decoder_l{i}_context")
        feed_forward(f"decoder_l{i}_ffn")
    # As in _save_transformer: </s> gets a constant logit (its tied embedding row is zero) just
    # below the best random one, so outputs are short but not empty.
    eos = vocabulary.index("</s>")
    weights["Wemb"][eos] = 0.0
    bias = np.zeros((1, len(vocabulary)), dtype=np.float32)
    bias[0, eos] = eos_bias
    bias[0, vocabulary.index("<unk>")] = -10.0
    weights["decoder_ff_logit_out_b"] = bias
    config = {
        "type": "transformer",
        "enc-depth": layers,
        "dec-depth": layers,
        "transformer-heads": heads,
        "transformer-dim-ffn": ffn,
        "dim-emb": d_model,
        "transformer-ffn-activation": "swish",
        "transformer-preprocess": "",
        "transformer-postprocess": "dan",
        "transformer-postprocess-emb": "d",
        "transformer-decoder-autoreg": "self-attention",
        "transformer-no-projection": False,
        "transformer-guided-alignment-layer": "last",
        "tied-embeddings-all": True,
    }
    text = "".join(f"{key}: {json.dumps(value)}\n" for key, value in config.items())
    weights["special:model.yml"] = np.frombuffer(text.encode() + b"\0", dtype=np.int8)
    return weights


def _train_sentencepiece(sentences: Iterable[str], vocab_size: int) -> bytes:
    """A serialized unigram SentencePiece model trained on ``sentences``."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences)),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        # The synthetic corpus is small: let the vocabulary come out smaller than asked.
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _pieces(serialized: bytes) -> list[str]:
    processor = spm.SentencePieceProcessor(model_proto=serialized)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _save_transformer(
    out: Path,
    source_vocabulary: list[str],
    target_vocabulary: list[str],
    *,
    layers: int,
    d_model: int,
    heads: int,
    seed: int,
    eos_bias: float = 2.5,
) -> None:
    """Fill a Transformer spec with seeded random weights and save it into ``out``."""
    rng = np.random.default_rng(seed)
    ffn = d_model * 2
    spec = transformer_spec.TransformerSpec.from_config(layers, heads)

    def dense(rows: int, cols: int) -> npt.NDArray[np.float32]:
        return rng.normal(0.0, 0.2, size=(rows, cols)).astype(np.float32)

    def linear(layer: Any, rows: int, cols: int) -> None:
        layer.weight = dense(rows, cols)
        layer.bias = np.zeros(rows, dtype=np.float32)

    def norm(layer: Any) -> None:
        layer.gamma = np.ones(d_model, dtype=np.float32)
        layer.beta = np.zeros(d_model, dtype=np.float32)

    def attention(layer: Any, self_attention: bool) -> None:
        norm(layer.layer_norm)
        if self_attention:  # fused query/key/value, then output
            linear(layer.linear[0], 3 * d_model, d_model)
            linear(layer.linear[1], d_model, d_model)
        else:  # query, fused key/value over the encoder output, then output
            linear(layer.linear[0], d_model, d_model)
            linear(layer.linear[1], 2 * d_model, d_model)
            linear(layer.linear[2], d_model, d_model)

    def feed_forward(layer: Any) -> None:
        norm(layer.layer_norm)
        linear(layer.linear_0, ffn, d_model)
        linear(layer.linear_1, d_model, ffn)

    spec.encoder.embeddings[0].weight = dense(len(source_vocabulary), d_model)
    norm(spec.encoder.layer_norm)
    for encoder_layer in spec.encoder.layer:
        attention(encoder_layer.self_attention, True)
        feed_forward(encoder_layer.ffn)
    spec.decoder.embeddings.weight = dense(len(target_vocabulary), d_model)
    norm(spec.decoder.layer_norm)
    linear(spec.decoder.projection, len(target_vocabulary), d_model)
    # </s> gets a constant logit (no weights, only a bias) so that no random
    # context makes every output empty; the bias sits just below the typical
    # best random logit, so outputs are non-empty and differ from input to
    # input. Pushing <unk>/<s> down keeps the gibberish made of real pieces.
    bias = spec.decoder.projection.bias
    eos = target_vocabulary.index("</s>")
    spec.decoder.projection.weight[eos] = 0.0
    bias[eos] = eos_bias
    bias[target_vocabulary.index("<unk>")] = -10.0
    bias[target_vocabulary.index("<s>")] = -10.0
    for decoder_layer in spec.decoder.layer:
        attention(decoder_layer.self_attention, True)
        attention(decoder_layer.attention, False)
        feed_forward(decoder_layer.ffn)

    spec.register_source_vocabulary(source_vocabulary)
    spec.register_target_vocabulary(target_vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")
    # spec.save refuses to overwrite its files; build beside and move in.
    with tempfile.TemporaryDirectory(dir=out) as staging:
        spec.save(staging)
        for item in Path(staging).iterdir():
            target_file = out / item.name
            if target_file.exists():
                target_file.unlink()
            shutil.move(str(item), target_file)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

"""A Marian-shaped translation model with seeded random weights, built once for the translation benchmark.

With torch and transformers installed the model is a ``MarianMTModel`` from a
seeded ``MarianConfig``, saved in Hugging Face layout and converted with
CTranslate2's own ``TransformersConverter``, so CTranslate2 and transformers
run the *same* weights. Without them, the same shape is filled in through
CTranslate2's spec API (the transformers side of the benchmark is then skipped).

Tokenisation is one real SentencePiece model shared by both sides, as in
OPUS-MT. A synthetic corpus cannot grow 32,000 natural pieces, so the natural
pieces are topped up with user-defined pseudo-English words ("▁flond") that
cannot occur in the Vietnamese-like source (they all contain f, j, w or z,
letters Vietnamese does not use). SentencePiece ids are then model ids, and
random output decodes to a readable word salad rather than a row of "⁇", so
the QA checks see text of a realistic shape.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm

SOURCE, TARGET = "vi", "en"
BUILD_FORMAT = 7  # bump when the files built here change, so a cached --model-dir is rebuilt
# Random weights as Marian initialises them (std 0.02) leave the sinusoidal positions in charge of
# every decoder step: neighbouring steps pick the same token, every input gets the same output, and
# QA rejects it all as loops. Token embeddings of std 1 (Marian does not scale them) put the previous
# token and the source in charge instead. The values change what the gibberish looks like, not the work.
EMBEDDING_STD = 1.0
# Marian initialises layers with std 0.02 at d_model 512; narrower models get proportionally larger
# weights, so that a layer moves the residual stream (and the source shows in the output) as much at any
# width. The tiny test model would otherwise all but ignore its encoder.
BASE_INIT_STD, BASE_WIDTH = 0.02, 512

PAD = "<pad>"  # last id, as in OPUS-MT vocabularies; the decoder starts from its (zero) embedding
NATURAL_PIECES = 8_000  # a soft limit: the corpus yields fewer
TOKENIZER_CORPUS = 6_000  # sentences

# Common Vietnamese syllables; sentences drawn from them read like Vietnamese to
# the segmenter, the tokenizer and the language detector.
_SYLLABLE_TEXT = """
    chính phủ thủ tướng người dân bộ y tế thành phố hà nội các nhà khoa học công ty điện lực sinh bố kế hoạch
    mới xây dựng cây cầu tăng giá mở trường trồng xanh tổ chức họp báo hôm nay qua tuần trước vào sáng thứ hai
    ba tư năm sáu bảy tám chín mười trăm nghìn triệu tỷ đồng kinh doanh thị phát triển quốc gia việt nam đà nẵng
    cho biết theo đã đang sẽ được bị với của trong ngoài trên dưới này đó những một nhiều ít rất khá cũng vẫn còn
    đến từ tại về làm việc hội nghị đại biểu ý kiến vấn đề giải quyết chương trình dự án đầu tư vốn ngân hàng
    lãi suất tín dụng xuất nhập khẩu hàng hóa nông sản lúa gạo cà phê thủy hải cảng biển giao thông đường bộ
    sắt hàng không sân bay khách du lịch văn hóa thể thao bóng đá đội tuyển trận đấu giải vô địch huấn luyện viên
    cầu thủ bàn thắng mùa giải sức khỏe bệnh viện bác sĩ điều trị thuốc vắc xin dịch cúm phòng chống môi
    trường ô nhiễm không khí rác thải nước sông mưa lũ bão gió nắng nóng lạnh nhiệt độ cao thấp miền bắc trung nam
    tây nguyên đồng bằng cửu long an ninh trật tự cảnh sát công điều tra vụ án tòa xét xử bị cáo luật sư pháp
    quy định nghị định thông tư hướng dẫn thực hiện kiểm tra giám sát quản lý nhà nước địa phương tỉnh huyện xã
"""
_SYLLABLES = tuple(_SYLLABLE_TEXT.split())
_CONNECTORS = ("và", "nhưng", "vì", "nên", "khi", "sau khi", "trong khi", "để")
_PROPER = (
    "Hà Nội",
    "Việt Nam",
    "Đà Nẵng",
    "Cần Thơ",
    "Hải Phòng",
    "Nguyễn Văn An",
    "Trần Thị Lan",
    "Quốc hội",
)
# Pseudo-English words for the rest of the vocabulary (see the module docstring).
# Short syllables so that the words come out about as long as English ones (5-6 letters).
_ONSETS = tuple("bdfghjklmnprstvwz")
_NUCLEI = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "", "", "n", "m", "l", "t", "s", "f", "w", "z", "r", "d")
_FOREIGN = frozenset("fjwz")


@dataclass(frozen=True)
class MarianShape:
    """The size of the model; the defaults are Marian-base (OPUS-MT's transformer-base with a 32k vocabulary)."""

    encoder_layers: int = 6
    decoder_layers: int = 6
    d_model: int = 512
    ffn: int = 2048
    heads: int = 8
    vocab: int = 32_000
    seed: int = 0


MARIAN_BASE = MarianShape()
TINY = MarianShape(encoder_layers=1, decoder_layers=1, d_model=64, ffn=128, heads=4, vocab=500)


def layer_std(shape: MarianShape) -> float:
    """The standard deviation of the random layer weights (see ``BASE_INIT_STD``)."""
    return float(BASE_INIT_STD * (BASE_WIDTH / shape.d_model) ** 0.5)


@dataclass(frozen=True)
class BuiltModel:
    """Where the built model lies: ``ct2`` is also a kabar ``ctranslate2`` engine model folder."""

    ct2: Path  # model.bin, source.spm, target.spm, kabar.json
    hf: Path | None  # MarianMTModel + MarianTokenizer files; None when built without transformers
    tokenizer: Path  # the SentencePiece model both sides use


def synthetic_sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct Vietnamese-like news sentences of 14-30 words, about one in ten with a number."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        words = [rng.choice(_SYLLABLES) for _ in range(rng.randint(14, 30))]
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words)), rng.choice(_PROPER))
        if rng.random() < 0.3:
            words.insert(rng.randrange(4, len(words)), rng.choice(_CONNECTORS))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), str(rng.randint(2, 2025)))
        if rng.random() < 0.25:
            cut = rng.randrange(5, len(words) - 3)
            words[cut] += ","
        if len(words[-1]) == 1:  # "… ô y." reads as an initial to the segmenter, which then joins sentences
            words.append("mới")
        text = " ".join(words)
        sentence = text[0].upper() + text[1:] + "."
        if sentence not in seen:
            seen.add(sentence)
            out.append(sentence)
    return out


def _filler_words(count: int, taken: set[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < count:
        syllables = 1 if rng.random() < 0.3 else 2
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS) for _ in range(syllables)
        )
        piece = "\u2581" + word
        if _FOREIGN & set(word) and piece not in taken:
            words[piece] = None
    return list(words)


def _train(sentences: list[str], vocab_size: int, fillers: list[str]) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,  # the synthetic corpus has fewer natural pieces than asked for
        user_defined_symbols=fillers,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def train_tokenizer(vocab: int, seed: int) -> tuple[bytes, list[str]]:
    """A SentencePiece model with exactly ``vocab - 1`` pieces (the model's vocabulary less ``<pad>``)."""
    corpus = synthetic_sentences(TOKENIZER_CORPUS, seed=seed + 7919)
    natural = _pieces(_train(corpus, min(NATURAL_PIECES, vocab - 1), []))
    fillers = _filler_words(vocab - 1 - len(natural), set(natural), seed)
    model = _train(corpus, vocab - 1, fillers)
    pieces = _pieces(model)
    if len(pieces) != vocab - 1:
        raise RuntimeError(f"tokenizer came out with {len(pieces)} pieces, expected {vocab - 1}")
    return model, pieces


def _pieces(serialized: bytes) -> list[str]:
    processor = spm.SentencePieceProcessor(model_proto=serialized)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_model(shape: MarianShape, root: Path, *, with_transformers: bool) -> BuiltModel:
    """Build the model under ``root``, or reuse what an earlier identical build left there."""
    root.mkdir(parents=True, exist_ok=True)
    recipe = {"format": BUILD_FORMAT, "shape": asdict(shape), "transformers": with_transformers}
    built = BuiltModel(root / "ct2", root / "hf" if with_transformers else None, root / "ct2" / "source.spm")
    stamp = root / "build.json"
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == recipe:
        return built
    stamp.unlink(missing_ok=True)
    for folder in (root / "ct2", root / "hf"):
        shutil.rmtree(folder, ignore_errors=True)
    tokenizer, pieces = train_tokenizer(shape.vocab, shape.seed)
    if built.hf is not None:
        quiet_transformers()
        _save_transformers_model(shape, tokenizer, pieces, built.hf)
        import ctranslate2  # converting needs torch and transformers, imported only here

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # see quiet_transformers
            # float32 on disk; CTranslate2 quantizes to the requested compute type when it loads.
            ctranslate2.converters.TransformersConverter(str(built.hf)).convert(str(built.ct2))
    else:
        _save_ct2_spec(shape, pieces, built.ct2)
    for name in ("source.spm", "target.spm"):
        (built.ct2 / name).write_bytes(tokenizer)
    (built.ct2 / "kabar.json").write_text(json.dumps({"source": SOURCE, "target": TARGET}), encoding="utf-8")
    stamp.write_text(json.dumps(recipe), encoding="utf-8")
    return built


def quiet_transformers() -> None:
    """No progress bars or advice on stderr, where the benchmark writes its report.

    MarianTokenizer also warns (a UserWarning) that sacremoses is missing; with
    it, the tokenizer would normalise punctuation and feed the model other
    tokens than CTranslate2 gets, so callers silence that warning, not the cause.
    """
    from transformers.utils import logging

    logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def _save_transformers_model(shape: MarianShape, tokenizer: bytes, pieces: list[str], out: Path) -> None:
    import torch
    from transformers import MarianConfig, MarianMTModel

    out.mkdir(parents=True)
    vocab = [*pieces, PAD]
    config = MarianConfig(
        vocab_size=shape.vocab,
        d_model=shape.d_model,
        encoder_layers=shape.encoder_layers,
        decoder_layers=shape.decoder_layers,
        encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn,
        max_position_embeddings=512,
        pad_token_id=len(vocab) - 1,
        decoder_start_token_id=len(vocab) - 1,
        eos_token_id=pieces.index("</s>"),
        # Marian forces </s> at the length limit; CTranslate2 does not, and both must make as many tokens.
        forced_eos_token_id=None,
        # Random weights tied to the embeddings make each step predict the token it was fed, and the
        # output stutters ("word word word"), which QA rejects; a separate projection costs the same.
        tie_word_embeddings=False,
        init_std=layer_std(shape),
    )
    torch.manual_seed(shape.seed)
    model = MarianMTModel(config)
    with torch.no_grad():
        for embeddings in (
            model.model.shared,
            model.model.encoder.embed_tokens,
            model.model.decoder.embed_tokens,
        ):
            embeddings.weight.normal_(0.0, EMBEDDING_STD)
            embeddings.weight[config.pad_token_id] = 0.0  # the decoder starts from a zero embedding
    model.save_pretrained(out)
    (out / "source.spm").write_bytes(tokenizer)
    (out / "target.spm").write_bytes(tokenizer)
    (out / "vocab.json").write_text(json.dumps({piece: i for i, piece in enumerate(vocab)}), encoding="utf-8")
    tokenizer_config = {"tokenizer_class": "MarianTokenizer", "source_lang": SOURCE, "target_lang": TARGET}
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")


def _save_ct2_spec(shape: MarianShape, pieces: list[str], out: Path) -> None:
    """The same architecture as the converted MarianMTModel, filled in with transformers' initialisation."""
    from ctranslate2.specs import common_spec, transformer_spec

    rng = np.random.default_rng(shape.seed)
    d, std = shape.d_model, layer_std(shape)
    spec = transformer_spec.TransformerSpec.from_config(
        (shape.encoder_layers, shape.decoder_layers),
        shape.heads,
        pre_norm=False,
        activation=common_spec.Activation.GELU,
    )

    def linear(layer: Any, rows: int, cols: int) -> None:
        layer.weight = rng.normal(0.0, std, size=(rows, cols)).astype(np.float32)
        layer.bias = np.zeros(rows, dtype=np.float32)

    def norm(layer: Any) -> None:
        layer.gamma = np.ones(d, dtype=np.float32)
        layer.beta = np.zeros(d, dtype=np.float32)

    def attention(layer: Any, self_attention: bool) -> None:
        norm(layer.layer_norm)
        if self_attention:
            linear(layer.linear[0], 3 * d, d)
            linear(layer.linear[1], d, d)
        else:
            linear(layer.linear[0], d, d)
            linear(layer.linear[1], 2 * d, d)
            linear(layer.linear[2], d, d)

    def feed_forward(layer: Any) -> None:
        norm(layer.layer_norm)
        linear(layer.linear_0, shape.ffn, d)
        linear(layer.linear_1, d, shape.ffn)

    # One embedding matrix for both sides; the output projection is separate (see _save_transformers_model).
    embeddings = rng.normal(0.0, EMBEDDING_STD, size=(len(pieces), d)).astype(np.float32)
    spec.encoder.embeddings[0].weight = embeddings
    spec.decoder.embeddings.weight = embeddings
    spec.decoder.projection.weight = rng.normal(0.0, std, size=(len(pieces), d)).astype(np.float32)
    spec.decoder.projection.bias = np.zeros(len(pieces), dtype=np.float32)
    spec.decoder.start_from_zero_embedding = True
    for encoder_layer in spec.encoder.layer:
        attention(encoder_layer.self_attention, True)
        feed_forward(encoder_layer.ffn)
    for decoder_layer in spec.decoder.layer:
        attention(decoder_layer.self_attention, True)
        attention(decoder_layer.attention, False)
        feed_forward(decoder_layer.ffn)
    spec.config.decoder_start_token = "</s>"
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    spec.optimize()
    out.mkdir(parents=True)
    spec.save(str(out))

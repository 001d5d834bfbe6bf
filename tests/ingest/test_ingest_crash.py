"""Crash consistency: ``kabar ingest`` killed with SIGKILL at random points loses nothing and leaks nothing.

A subprocess ingests a folder of generated pages with pictures beside them and is
killed (its whole process group, worker processes included) at random moments,
then runs once to the end. The data directory must then hold every document
exactly once (or a recorded failure), no half-written article, no Media row
without its file and no file without its row, and a further run must find
nothing new and nothing updated.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

DOCUMENTS = 100
KILLS = 10
SEED = 20251012
OUTLET = "bao-thu"
CONFLICTS = 2  # pairs of pages naming one source URL with different text

WORDS = [
    *[
        "thành",
        "phố",
        "khai",
        "trương",
        "tuyến",
        "xe",
        "buýt",
        "điện",
        "đầu",
        "tiên",
        "nối",
        "trung",
        "tâm",
        "với",
        "sân",
        "bay",
        "giá",
        "vé",
        "được",
        "giữ",
    ],
    *[
        "ở",
        "mức",
        "đồng",
        "trong",
        "năm",
        "để",
        "khuyến",
        "khích",
        "người",
        "dân",
        "sử",
        "dụng",
        "đại",
        "diện",
        "nhà",
        "vận",
        "hành",
        "cho",
        "biết",
        "sẽ",
    ],
    *[
        "bổ",
        "sung",
        "vào",
        "cuối",
        "nay",
        "lúa",
        "gạo",
        "xuất",
        "khẩu",
        "tăng",
        "mạnh",
        "tháng",
        "mười",
        "do",
        "nhu",
        "cầu",
        "từ",
        "thị",
        "trường",
        "châu",
    ],
    *[
        "Phi",
        "các",
        "doanh",
        "nghiệp",
        "bằng",
        "sông",
        "Cửu",
        "Long",
        "đẩy",
        "nhanh",
        "thu",
        "mua",
        "vụ",
        "đông",
        "cà",
        "phê",
        "mùa",
        "mưa",
        "bão",
        "học",
    ],
    *["sinh", "trường", "mới", "bệnh", "viện"],
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 22))).capitalize() + "."


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (240, 160), colour).save(buffer, format="PNG")  # a content image (kabar skips icons)
    return buffer.getvalue()


def page(rng: random.Random, number: int, source: str, images: list[str]) -> str:
    paragraphs = "".join(f"<p>{sentence(rng)}</p>" for _ in range(4))
    figures = "".join(
        f'<figure><img src="{src}" alt="ảnh"><figcaption>Ảnh minh họa {number}</figcaption></figure>'
        for src in images
    )
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tin số {number}: '
        f'{sentence(rng)[:48]}</title><meta property="og:site_name" content="Báo Thử"></head><body>'
        f"<article><h1>Tin số {number}</h1>{paragraphs}{figures}<p>{sentence(rng)}</p>"
        f"<p>Nguồn: {source}</p></article></body></html>"
    )


def make_folder(folder: Path, documents: int, conflicts: int, seed: int = SEED) -> dict[str, str]:
    """Pages ``tin-NNN.html`` with a picture each (every tenth also a shared one); returns file → source URL.

    The last ``conflicts`` numbers get a second page (``tin-NNNb.html``) naming the
    same source URL with other text: one of each pair is stored, the other refused.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    (folder / "chung.png").write_bytes(png((10, 20, 30)))
    sources = {}
    for number in range(documents):
        (folder / f"anh-{number:03d}.png").write_bytes(png((number % 256, rng.randrange(256), 200)))
        images = [f"anh-{number:03d}.png"] + (["chung.png"] if number % 10 == 0 else [])
        source = f"https://thu.example/tin/{number}.html"
        names = [f"tin-{number:03d}.html"]
        if number >= documents - conflicts:
            names.append(f"tin-{number:03d}b.html")
        for name in names:
            (folder / name).write_text(page(rng, number, source, images), encoding="utf-8")
            sources[name] = source
    return sources


def kabar(data_dir: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KABAR_DATA_DIR": str(data_dir),
        "KABAR_DATABASE_URL": "",  # always SQLite in data_dir, whatever database the test run uses
        "KABAR_TASKS_BACKEND": "immediate",
    }
    # Files, not pipes: a child never blocks on a full pipe that nobody reads while it is killed.
    with log.open("wb") as out, log.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "kabar", *args],
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group: the kill takes worker processes too
        )


def finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> tuple[int, str]:
    process.wait(timeout=timeout)
    return process.returncode, log.read_text() + log.with_suffix(".err").read_text()


def full_run(data_dir: Path, folder: Path, log: Path) -> dict[str, object]:
    code, output = finish(kabar(data_dir, "ingest", str(folder), "--outlet", OUTLET, "--json", log=log), log)
    assert code in (0, 1), f"kabar ingest exited {code}: {output[-2000:]}"  # 1: some documents failed
    summary: dict[str, object] = json.loads(log.read_text())
    return summary


def stored_articles(data_dir: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{data_dir / 'kabar.sqlite3'}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT count(*) FROM news_article").fetchone()[0])
        finally:
            db.close()
    except sqlite3.OperationalError:
        return -1  # busy for a moment: ask again


def kill_at_random_points(data_dir: Path, folder: Path, logs: Path) -> int:
    """SIGKILL ``kabar ingest`` KILLS times: twice at a random moment early on, then each time a
    random number of documents after the run began storing, plus a random fraction of a
    document's time, so that kills land in extraction, image saving and the store transaction.
    Returns how many articles were stored when the kills were over."""
    rng = random.Random(SEED)
    stored = stored_articles(data_dir)
    for kill in range(KILLS):
        process = kabar(
            data_dir, "ingest", str(folder), "--outlet", OUTLET, "--json", log=logs / f"kill-{kill}"
        )
        if kill < 2:
            time.sleep(rng.uniform(0.1, 1.5))
        else:
            target = stored + rng.randint(1, max(1, min(12, DOCUMENTS - 2 - stored)))
            deadline = time.monotonic() + 90
            while stored_articles(data_dir) < target and process.poll() is None:
                assert time.monotonic() < deadline, f"kill {kill}: {target} articles not reached in 90 s"
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.08))
        assert process.poll() is None, f"kill {kill}: the run ended before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        stored = max(stored, stored_articles(data_dir))
    return stored


def test_sigkill_at_random_points_then_one_full_run_loses_and_leaks_nothing(tmp_path):
    data_dir, folder, logs = tmp_path / "data", tmp_path / "pages", tmp_path / "logs"
    logs.mkdir()
    sources = make_folder(folder, DOCUMENTS, CONFLICTS)
    code, output = finish(
        kabar(data_dir, "migrate", "--verbosity", "0", log=logs / "migrate"), logs / "migrate"
    )
    assert code == 0, output
    create_outlet = (
        "from kabar.news.models import Outlet; Outlet.objects.create(name='Báo Thử', slug='bao-thu', "
        "home_url='https://thu.example/', language='vi')"
    )
    code, output = finish(
        kabar(data_dir, "shell", "--no-imports", "-c", create_outlet, log=logs / "outlet"), logs / "outlet"
    )
    assert code == 0, output

    stored = kill_at_random_points(data_dir, folder, logs)
    assert 0 < stored < DOCUMENTS, "the kills fell while documents were being stored"

    first = full_run(data_dir, folder, logs / "full-1")
    failed = first["failed"]
    assert isinstance(failed, list)
    assert [f["stage"] for f in failed] == ["store"] * CONFLICTS, failed
    assert all("conflict" in f["reason"] for f in failed)
    assert first["new"] == DOCUMENTS - stored

    check_data_dir(data_dir, sources)

    second = full_run(data_dir, folder, logs / "full-2")
    assert (second["new"], second["updated"]) == (0, 0), second
    assert second["unchanged"] == DOCUMENTS and len(second["failed"]) == CONFLICTS  # type: ignore[arg-type]
    check_data_dir(data_dir, sources)


def check_data_dir(data_dir: Path, sources: dict[str, str]) -> None:
    db = sqlite3.connect(data_dir / "kabar.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        articles = db.execute("SELECT id, source_url, fetched_url FROM news_article").fetchall()
        originals = {
            article: (title, json.loads(blocks))
            for article, title, blocks in db.execute(
                "SELECT article_id, title, blocks FROM news_articletext WHERE status = 'original'"
            )
        }
        media = db.execute("SELECT id, article_id, image FROM news_media").fetchall()
        failures = db.execute(
            "SELECT url, stage, reason FROM ingest_ingestfailure WHERE NOT resolved"
        ).fetchall()
        slugs = db.execute(
            "SELECT language, slug FROM news_articletext GROUP BY language, slug HAVING count(*) > 1"
        ).fetchall()
    finally:
        db.close()

    # every article has its original text, and the text is not empty
    assert {pk for pk, _, _ in articles} == set(originals)
    for title, blocks in originals.values():
        assert title.strip() and any(b["type"] == "paragraph" and b["text"].strip() for b in blocks)
    # no duplicate URL or slug
    assert len({url for _, url, _ in articles}) == len(articles) and slugs == []
    # every document stored once, or recorded as failed (one of each conflicting pair)
    stored_from = {fetched.rsplit("/", 1)[-1]: url for _, url, fetched in articles}
    failed_names = {url.rsplit("/", 1)[-1] for url, _, _ in failures}
    for name, source in sources.items():
        assert (name in stored_from) != (name in failed_names), name
        if name in stored_from:
            assert stored_from[name] == source
    assert len(articles) == len(set(sources.values())) == DOCUMENTS

    # Media rows: each belongs to an article, each names a whole picture; and no file is left unnamed
    article_ids = {pk for pk, _, _ in articles}
    media_root = data_dir / "media"
    names = set()
    for _, article, image in media:
        assert article in article_ids and image
        with Image.open(media_root / image) as picture:
            picture.verify()
        names.add(image)
    for pk, (_, blocks) in originals.items():
        images = [b for b in blocks if b["type"] == "image"]
        assert sum(1 for _, article, _ in media if article == pk) == len(images)
        assert all(b["src"].startswith("/media/") for b in images), "every picture stored"
    files = {p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file()}
    assert files == names, f"orphan files: {sorted(files - names)[:5]}"
    assert len(names) == DOCUMENTS + 1  # one picture per document, and the shared one once


@pytest.mark.django_db
def test_re_ingesting_two_copies_of_one_article_is_a_no_op(tmp_path, settings):
    from kabar.ingest.models import IngestFailure
    from kabar.ingest.service import ingest
    from kabar.news.models import Article, ArticleRevision, Outlet

    settings.MEDIA_ROOT = tmp_path / "media"
    outlet = Outlet.objects.create(
        name="Báo Thử", slug=OUTLET, home_url="https://thu.example/", language="vi"
    )
    make_folder(tmp_path / "pages", documents=2, conflicts=1)
    first = ingest(str(tmp_path / "pages"), outlet=outlet)
    assert (first.new, len(first.failed)) == (2, 1)
    kept = Article.objects.get(source_url="https://thu.example/tin/1.html")
    assert kept.fetched_url.endswith("/tin-001.html"), "the first of the two in the folder's order is kept"
    for _run in range(2):
        again = ingest(str(tmp_path / "pages"), outlet=outlet)
        assert (again.new, again.updated, again.unchanged, len(again.failed)) == (0, 0, 2, 1)
    failure = IngestFailure.objects.get()
    assert failure.url.endswith("tin-001b.html") and failure.attempts == 3 and not failure.resolved
    assert "tin-001.html" in failure.reason and "https://thu.example/tin/1.html" in failure.reason
    assert ArticleRevision.objects.count() == 0


@pytest.mark.django_db
def test_two_saved_copies_naming_one_canonical_link_are_told_apart_by_their_files(tmp_path):
    """A saved page's URL is its canonical link, the same for both copies: the file tells them apart."""
    from kabar.ingest.models import IngestFailure
    from kabar.ingest.service import ingest
    from kabar.news.models import Article, Outlet

    outlet = Outlet.objects.create(
        name="Báo Thử", slug=OUTLET, home_url="https://thu.example/", language="vi"
    )
    folder = tmp_path / "saved"
    folder.mkdir()
    rng = random.Random(SEED)
    link = '<link rel="canonical" href="https://thu.example/tin/7.html">'
    for name in ("a.html", "b.html"):
        html = page(rng, 7, "", []).replace("<p>Nguồn: </p>", "").replace("</title>", f"</title>{link}")
        (folder / name).write_text(html, encoding="utf-8")
    first = ingest(str(folder), outlet=outlet)
    assert (first.new, len(first.failed)) == (1, 1)
    again = ingest(str(folder), outlet=outlet)
    assert (again.new, again.updated, again.unchanged, len(again.failed)) == (0, 0, 1, 1)
    assert Article.objects.get().fetched_url.endswith("/saved/a.html")
    assert "/saved/b.html" in IngestFailure.objects.get().reason

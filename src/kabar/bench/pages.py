"""Reader-page benchmark: kabar's article and home page under load, next to nginx serving them as files.

``python -m kabar.bench.pages [--connections 1,16,64] [--duration S] [--articles N] [--db FILE]
[--workers W] [--json]``

It builds a SQLite database in a temporary folder (``kabar bench-data --articles N``; ``--db``
keeps the file, and a later run reuses it), picks a Vietnamese article with images, authors and
a story (the newest such) and the Vietnamese home page, starts each server itself on a free
loopback port and measures both pages with Debian's ``wrk`` at each connection count, one
target after another (one server running at a time):

* ``waitress``: ``kabar serve --server waitress``, one process (kabar uncached);
* ``gunicorn``: ``kabar serve --workers W`` (default: one per core; kabar uncached);
* ``app-cache``: the same gunicorn with the page cache on, each page requested a few times first
  (the stored copy answers before the middleware stack: no query, no render);
* ``revalidate-304``: the same gunicorn, each request carrying the page's ``ETag`` /
  ``Last-Modified`` back (a repeat visit), only once pages have them: until the page cache lands
  the column says "n/a";
* ``static-published``: the same gunicorn with ``KABAR_STATIC_PUBLISH_DIR``, each page written by
  kabar's own publisher (``kabar.pagecache.static_publish``), and Debian nginx in front with the
  shipped ``deploy/nginx/kabar.conf`` (``kabar.serving.nginx``): ``try_files``, ``gzip_static``,
  kabar's headers; a page that does not come from the file (kabar's ``Surrogate-Key``) is an error;
* ``nginx-file``: the same HTML, fetched once from kabar, written to files and served by nginx
  (config, pid and logs in the temporary folder, a free loopback port, the current user): the limit.

For each: requests/s, p50 and p99 latency, errors (socket errors and non-2xx/3xx answers) and the
ratio to ``nginx-file`` for the same page and connections. Targets are the ``TARGETS`` list:
a column such as "app cache warm" or "static-published" is one more ``Target`` (its server
kind, the environment it runs with, whether to warm it first). Not a timed test; the machine's
load (``os.getloadavg``) is reported before and after, since other work skews the numbers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kabar.serving import nginx

LIMIT = "nginx-file"  # the target every ratio is to
NA_304 = "n/a until the page cache lands (pages have no ETag or Last-Modified yet)"
WRK_TIMEOUT = 10.0  # seconds; wrk's default (2 s) would drop the slowest answers from the percentiles
PAGES = ("article", "home")
PROBE = "/static/site/site.css"  # kabar is up when WhiteNoise answers (no page render, no database)
READY_SECONDS = 120


@dataclass(frozen=True)
class Target:
    """One column: a server kind, the environment kabar runs with, and how requests are made."""

    name: str
    title: str
    server: str  # "waitress", "gunicorn" or "nginx-file"
    env: Mapping[str, str] = field(default_factory=dict)
    revalidate: bool = False  # send the page's validators back (expects 304s)
    warm: bool = False  # request every page once before measuring (for a cache)
    from_file: bool = False  # the answer must be nginx's file, not kabar's (no Surrogate-Key)


# "Uncached" is KABAR_PAGE_CACHE=false: every request renders (a kabar without the page cache
# ignores the variable). The 304 column needs the validators the page cache computes.
UNCACHED = {"KABAR_PAGE_CACHE": "false"}
TARGETS: tuple[Target, ...] = (
    Target("waitress", "kabar uncached, waitress (1 process)", "waitress", env=UNCACHED),
    Target("gunicorn", "kabar uncached, gunicorn (W workers)", "gunicorn", env=UNCACHED),
    # Stored pages answered by PageCacheMiddleware (kabar.pagecache), no query and no render.
    Target("app-cache", "kabar app cache warm, gunicorn (W workers)", "gunicorn", warm=True),
    Target("revalidate-304", "304 revalidation, gunicorn", "gunicorn", revalidate=True),
    # kabar's published file through the shipped nginx config (deploy/nginx/kabar.conf).
    Target(
        "static-published",
        "kabar's static-published file, nginx with deploy/nginx/kabar.conf",
        "nginx-published",
        from_file=True,
    ),
    Target(LIMIT, "the same HTML as a file, nginx (the limit)", "nginx-file"),
)


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors of every kind + non-2xx/3xx answers


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """The numbers of one ``wrk --latency`` run from its text output."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    p50 = re.search(r"^\s*50(?:\.0+)?%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+(\S+)", output, re.M)
    if not (rate and total and p50 and p99):
        raise ValueError(f"wrk output without requests/sec and latency distribution:\n{output}")
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad[1])
    return WrkResult(float(rate[1]), _ms(p50[1]), _ms(p99[1]), int(total[1]), errors)


def run_wrk(
    url: str, connections: int, duration: float, headers: Mapping[str, str], timeout: float = WRK_TIMEOUT
) -> WrkResult:
    threads = max(1, min(connections, os.cpu_count() or 1))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "--timeout",
        f"{timeout:g}s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=True)
    return parse_wrk(done.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(
    port: int, path: str, headers: Mapping[str, str] | None = None, *, timeout: float = 30.0
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}; its log:\n{log.read_text()[-3000:]}"
            )
        try:
            if fetch(port, path)[0] < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {path} within {READY_SECONDS} s; log: {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def kabar_server(kind: str, folder: Path, env: Mapping[str, str], workers: int, probe: str) -> Iterator[int]:
    """``kabar serve`` as ``kind`` (waitress or gunicorn) on a free port; yields the port."""
    port = free_port()
    log = folder / f"{kind}-{port}.log"
    if kind == "waitress":
        choice = ["--server", "waitress"]
    else:
        choice = ["--server", "gunicorn", "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kabar",
                "serve",
                "--no-migrate",
                "--port",
                str(port),
                "--threads",
                "8",
                *choice,
            ],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(process, port, probe, log)
            yield port
        finally:
            _stop(process)


def nginx_config(root: Path, folder: Path, port: int, workers: int) -> str:
    """nginx serving ``root`` on loopback, everything it writes inside ``folder``, as this user."""
    user = ""
    if os.geteuid() == 0:  # nginx would switch its workers to "nobody", who cannot read the temp folder
        user = "user root;\n"
    temp = folder / "nginx-temp"
    return f"""{user}daemon off;
worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type text/html;
    types {{ text/html html; }}
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@contextmanager
def nginx_server(folder: Path, pages: Mapping[str, bytes], workers: int) -> Iterator[int]:
    """nginx serving ``pages`` (path → HTML) as plain files; yields the port."""
    root = folder / "nginx-root"  # not "static": kabar keeps its collected static files there
    for path, html in pages.items():
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html)
    (folder / "nginx-temp").mkdir(exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(nginx_config(root, folder, port, workers))
    log = folder / "nginx-error.log"
    binary = nginx_binary()
    assert binary is not None
    with (folder / "nginx-stdout.log").open("wb") as out:
        process = subprocess.Popen(
            [binary, "-p", str(folder), "-c", str(config), "-e", str(log)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(process, port, next(iter(pages)), log)
            yield port
        finally:
            _stop(process)


def publish_files(directory: Path, pages: Mapping[str, str]) -> None:
    """Write the pages with kabar's own publisher, as a reader's request renders them (this process)."""
    from django.test import override_settings

    from kabar.pagecache import static_publish

    with override_settings(STATIC_PUBLISH_DIR=str(directory)):
        for path in pages.values():
            if not static_publish.publish(path):
                raise RuntimeError(f"kabar did not publish {path} as a file")


def validators(headers: Mapping[str, str]) -> dict[str, str]:
    """The conditional-request headers a browser would send back for a page it has."""
    sent = {}
    if "etag" in headers:
        sent["If-None-Match"] = headers["etag"]
    if "last-modified" in headers:
        sent["If-Modified-Since"] = headers["last-modified"]
    return sent


def _setup(
    folder: Path, db: Path | None, articles: int, chosen: Sequence[str] = PAGES
) -> tuple[dict[str, str], dict[str, str]]:
    """The database (built or reused) and the pages to measure; returns (server env, pages)."""
    sqlite = db.resolve() if db else folder / "bench.sqlite3"
    env = {
        "KABAR_DATA_DIR": str(folder),
        "KABAR_DATABASE_URL": f"sqlite:///{sqlite}",
        "KABAR_SECRET_KEY": os.environ.get("KABAR_SECRET_KEY", "bench-only"),
        "KABAR_SITE_URL": "http://127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "kabar.conf.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import translation

    from kabar.news.models import Article, ArticleText

    call_command("migrate", interactive=False, verbosity=0)
    have = Article.objects.count()
    if have and have != articles:
        raise SystemExit(
            f"{sqlite} has {have} articles, not {articles}: name another --db or the same --articles"
        )
    if not have:
        call_command(
            "bench-data", articles=articles, no_index=True, stdout=sys.stderr
        )  # stdout: the report only
    text = (
        ArticleText.objects.filter(
            language="vi",
            status=ArticleText.Status.ORIGINAL,
            article__media__isnull=False,
            article__authors__isnull=False,
            article__story_membership__story__isnull=False,
        )
        .select_related("article")
        .order_by("-article__published_at")
        .first()
    ) or ArticleText.objects.filter(language="vi").select_related("article").order_by(
        "-article__published_at"
    ).first()
    assert text is not None, "no Vietnamese text to measure"
    with translation.override("vi"):
        every = {"article": text.get_absolute_url(), "home": "/vi/"}
    pages = {name: every[name] for name in chosen}
    connections.close_all()
    return env, pages


def measure(args: argparse.Namespace) -> dict[str, Any]:
    workers = args.workers or _cores()
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="kabar-bench-pages-") as name:
        folder = Path(name)
        env, pages = _setup(folder, args.db, args.articles, args.pages)
        html: dict[str, bytes] = {}
        results: list[dict[str, Any]] = []
        for target in TARGETS:
            with _serving(target, folder, env, workers, pages, html) as port:
                for page, path in pages.items():
                    status, headers, body = fetch(port, path, timeout=args.timeout)
                    if status != 200:
                        raise RuntimeError(f"{target.name}: {path} answered {status}")
                    if target.from_file and "surrogate-key" in headers:
                        raise RuntimeError(
                            f"{target.name}: {path} came from kabar, not from the published file"
                        )
                    html.setdefault(path, body)  # nginx serves what the first kabar target rendered
                    sent: dict[str, str] = {}
                    if target.revalidate:
                        sent = validators(headers)
                        answer = fetch(port, path, sent, timeout=args.timeout)[0] if sent else None
                        if answer != 304:
                            why = (
                                NA_304
                                if not sent
                                else f"n/a: the page's validators sent back got {answer}, not 304"
                            )
                            results.append({"target": target.name, "page": page, "na": why})
                            continue
                    for _ in range(3 if target.warm else 0):
                        fetch(port, path, sent, timeout=args.timeout)
                    for connections in args.connections:
                        url = f"http://127.0.0.1:{port}{path}"
                        got = run_wrk(url, connections, args.duration, sent, args.timeout)
                        results.append(result_row(target.name, page, connections, got, args.duration))
    return assemble(args, workers, pages, html, results, load_before)


def result_row(target: str, page: str, connections: int, got: WrkResult, duration: float) -> dict[str, Any]:
    """One run's row; a run in which no request finished has no rate or latency to give (wrk prints zeros)."""
    row: dict[str, Any] = {"target": target, "page": page, "connections": connections}
    if got.requests == 0:
        return {**row, "na": f"n/a: no request finished within a {duration:g} s run"}
    return {**row, **got.__dict__}


def assemble(
    args: argparse.Namespace,
    workers: int,
    pages: Mapping[str, str],
    html: Mapping[str, bytes],
    results: list[dict[str, Any]],
    load_before: list[float],
) -> dict[str, Any]:
    """The report (what ``--json`` prints): the run's conditions, the pages, the targets, one row per run."""
    _add_ratios(results)
    return {
        "benchmark": "pages",
        "articles": args.articles,
        "duration_s": args.duration,
        "connections": args.connections,
        "timeout_s": args.timeout,
        "cores": _cores(),
        "workers": workers,
        "load_before": load_before,
        "load_after": list(os.getloadavg()),
        "pages": dict(pages),
        "page_bytes": {page: len(html.get(path, b"")) for page, path in pages.items()},
        "targets": [
            {"name": t.name, "title": t.title.replace("W workers", f"{workers} workers")} for t in TARGETS
        ],
        "limit": LIMIT,
        "results": results,
    }


@contextmanager
def _serving(
    target: Target,
    folder: Path,
    env: Mapping[str, str],
    workers: int,
    pages: Mapping[str, str],
    html: Mapping[str, bytes],
) -> Iterator[int]:
    if target.server == "nginx-file":
        if not html:
            raise RuntimeError("the nginx target comes after a kabar target (it serves kabar's HTML)")
        with nginx_server(folder, html, workers) as port:
            yield port
    elif target.server == "nginx-published":
        published = folder / "published"
        kabar_env = {**env, **target.env, "KABAR_STATIC_PUBLISH_DIR": str(published)}
        with kabar_server("gunicorn", folder, kabar_env, workers, PROBE) as kabar_port:
            publish_files(published, pages)
            front = nginx.in_front_of(
                f"127.0.0.1:{kabar_port}",
                folder / "nginx-published",
                published=published,
                static=folder / "static",
                media=folder / "media",
                workers=workers,
                connections=4096,
            )
            with front as proxy:
                yield proxy.port
    else:
        with kabar_server(target.server, folder, {**env, **target.env}, workers, PROBE) as port:
            yield port


def _add_ratios(results: list[dict[str, Any]]) -> None:
    limits = {
        (r["page"], r["connections"]): r["requests_per_s"]
        for r in results
        if r["target"] == LIMIT and "na" not in r
    }
    for row in results:
        limit = limits.get((row["page"], row.get("connections")))
        if "na" not in row and limit:
            row["ratio_to_limit"] = round(row["requests_per_s"] / limit, 4)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _ms_text(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def table(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table: one row per page, connection count and target."""
    titles = {t["name"]: t["title"] for t in report["targets"]}
    lines = [
        f"pages benchmark: {report['articles']:,} articles, {report['duration_s']:g} s per run, "
        f"{report['cores']} cores, gunicorn {report['workers']} workers; load average "
        f"{', '.join(f'{x:.2f}' for x in report['load_before'])} before, "
        f"{', '.join(f'{x:.2f}' for x in report['load_after'])} after",
        "",
        f"| page | conns | target | req/s | p50 ms | p99 ms | errors | × {report['limit']} |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    order = {name: position for position, name in enumerate(titles)}
    rows = sorted(
        report["results"],
        key=lambda r: (
            list(report["pages"]).index(r["page"]),
            r.get("connections", 1 << 30),
            order[r["target"]],
        ),
    )
    for row in rows:
        where = f"| {row['page']} | {row.get('connections', 'all')} | {titles[row['target']]} |"
        if "na" in row:
            lines.append(f"{where} n/a | | | | |")
            continue
        ratio = f"{row['ratio_to_limit']:.4f}" if "ratio_to_limit" in row else ""
        lines.append(
            f"{where} {row['requests_per_s']:,.0f} | {_ms_text(row['p50_ms'])} | {_ms_text(row['p99_ms'])} | "
            f"{row['errors']} | {ratio} |"
        )
    notes = {r["na"] for r in report["results"] if "na" in r}
    lines += ["", *sorted(notes)]
    return "\n".join(lines)


def _connection_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of connection counts: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"connection counts are 1 or more: {text!r}")
    return counts


def _page_names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - set(PAGES))
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"pages are {', '.join(PAGES)}, not {text!r}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kabar.bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=_connection_counts, default=[1, 16, 64], help="e.g. 1,16,64")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--articles", type=int, default=2000, help="articles in the database (× 3 languages)")
    parser.add_argument(
        "--db", type=Path, help="SQLite file to keep; a later run with the same --articles reuses it"
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: one per core)")
    parser.add_argument("--pages", type=_page_names, default=list(PAGES), help="which pages: article,home")
    parser.add_argument(
        "--timeout",
        type=float,
        default=WRK_TIMEOUT,
        help="seconds a request may take before it counts as an error",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.duration <= 0 or (args.workers is not None and args.workers < 1):
        parser.error("--articles, --duration and --workers must be positive")
    missing = [tool for tool, found in (("wrk", shutil.which("wrk")), ("nginx", nginx_binary())) if not found]
    if missing:
        print(
            f"kabar.bench.pages needs {' and '.join(missing)}: make wrk-nginx "
            "(apt-get install -y wrk nginx on Debian)",
            file=sys.stderr,
        )
        return 2
    report = measure(args)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

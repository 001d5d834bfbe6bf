"""kabar.bench.pages without running it: wrk's output read right, the --json report's shape, nginx's config."""

from __future__ import annotations

import argparse
import json

import pytest

from kabar.bench import pages

# Real wrk 4.1.0 output (Debian), one run with every request answered, one with errors.
WRK_OK = """Running 2s test @ http://127.0.0.1:18611/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.64ms    7.35ms  48.63ms   76.00%
    Req/Sec   245.68    129.83   515.00     62.50%
  Latency Distribution
     50%    9.81ms
     75%   14.80ms
     90%   21.63ms
     99%   36.47ms
  983 requests in 2.02s, 14.09MB read
Requests/sec:    487.54
Transfer/sec:      6.99MB
"""
WRK_ERRORS = """Running 1s test @ http://127.0.0.1:18611/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.32ms    1.36ms   9.22ms   84.82%
    Req/Sec     1.79k   323.82     2.32k    63.64%
  Latency Distribution
     50%  713.00us
     75%    1.66ms
     90%    3.39ms
     99%     1.20s
  1966 requests in 1.10s, 0.98MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 1966
Requests/sec:   1787.51
Transfer/sec:      0.89MB
"""


def test_wrk_output_is_read_in_milliseconds():
    ok = pages.parse_wrk(WRK_OK)
    assert ok == pages.WrkResult(requests_per_s=487.54, p50_ms=9.81, p99_ms=36.47, requests=983, errors=0)
    bad = pages.parse_wrk(WRK_ERRORS)
    assert bad.p50_ms == pytest.approx(0.713)
    assert bad.p99_ms == pytest.approx(1200.0)
    assert bad.errors == 3 + 2 + 1966
    assert bad.requests_per_s == 1787.51


def test_a_run_in_which_nothing_finished_is_na_not_zero_latency():
    nothing = pages.WrkResult(requests_per_s=0.0, p50_ms=0.0, p99_ms=0.0, requests=0, errors=0)
    row = pages.result_row("gunicorn", "home", 16, nothing, 20.0)
    assert row == {
        "target": "gunicorn",
        "page": "home",
        "connections": 16,
        "na": "n/a: no request finished within a 20 s run",
    }
    assert pages.result_row("gunicorn", "home", 16, pages.parse_wrk(WRK_OK), 20.0)["p99_ms"] == 36.47


def test_output_without_the_numbers_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="latency distribution"):
        pages.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def report(results):
    args = argparse.Namespace(articles=50, duration=2.0, connections=[1, 16], timeout=10.0)
    return pages.assemble(
        args,
        2,
        {"article": "/vi/2025/12/a/", "home": "/vi/"},
        {"/vi/": b"<html>", "/vi/2025/12/a/": b"<p>"},
        results,
        [1.0, 2.0, 3.0],
    )


def run_row(target, page, connections, rate):
    return {
        "target": target,
        "page": page,
        "connections": connections,
        **pages.parse_wrk(WRK_OK).__dict__,
        "requests_per_s": rate,
    }


def test_the_json_report_names_conditions_targets_and_ratios_to_nginx():
    results = [
        run_row("gunicorn", "article", 16, 250.0),
        run_row(pages.LIMIT, "article", 16, 50_000.0),
        run_row("gunicorn", "home", 16, 100.0),  # no nginx row for it: no ratio
        {"target": "revalidate-304", "page": "article", "na": pages.NA_304},
    ]
    made = json.loads(json.dumps(report(results)))
    assert {
        "benchmark",
        "articles",
        "duration_s",
        "timeout_s",
        "connections",
        "cores",
        "workers",
        "load_before",
        "load_after",
        "pages",
        "page_bytes",
        "targets",
        "limit",
        "results",
    } <= set(made)
    assert made["pages"] == {"article": "/vi/2025/12/a/", "home": "/vi/"}
    assert made["page_bytes"] == {"article": 3, "home": 6}
    names = ["waitress", "gunicorn", "app-cache", "revalidate-304", "static-published", pages.LIMIT]
    assert [t["name"] for t in made["targets"]] == names
    assert "2 workers" in made["targets"][1]["title"]
    article = {r["target"]: r for r in made["results"] if r["page"] == "article"}
    assert article["gunicorn"]["ratio_to_limit"] == 0.005
    assert article[pages.LIMIT]["ratio_to_limit"] == 1.0
    assert article["revalidate-304"]["na"].startswith("n/a until the page cache lands")
    home = next(r for r in made["results"] if r["page"] == "home")
    assert "ratio_to_limit" not in home
    for row in made["results"]:
        if "na" not in row:
            assert {"requests_per_s", "p50_ms", "p99_ms", "requests", "errors", "connections"} <= set(row)


def test_the_table_has_a_row_per_page_connections_and_target():
    results = [
        run_row("waitress", "article", 1, 120.0),
        run_row(pages.LIMIT, "article", 1, 60_000.0),
        {"target": "revalidate-304", "page": "article", "na": pages.NA_304},
    ]
    text = pages.table(report(results))
    assert "| article | 1 | kabar uncached, waitress (1 process) | 120 | 9.81 | 36 | 0 | 0.0020 |" in text
    assert "| article | 1 | the same HTML as a file, nginx (the limit) | 60,000 |" in text
    assert "304 revalidation, gunicorn | n/a |" in text
    assert "load average 1.00, 2.00, 3.00 before" in text


def test_targets_are_named_once_and_the_limit_is_one_of_them():
    names = [t.name for t in pages.TARGETS]
    assert len(names) == len(set(names)) and pages.LIMIT in names
    assert {t.server for t in pages.TARGETS} <= {"waitress", "gunicorn", "nginx-published", "nginx-file"}


def test_the_static_published_column_must_come_from_the_file():
    (published,) = [t for t in pages.TARGETS if t.name == "static-published"]
    assert published.server == "nginx-published" and published.from_file
    assert "deploy/nginx/kabar.conf" in published.title


def test_nginx_runs_as_this_user_with_every_path_in_the_temp_folder(tmp_path):
    config = pages.nginx_config(tmp_path / "static", tmp_path, 8123, 2)
    assert "listen 127.0.0.1:8123;" in config and "daemon off;" in config
    for directive in ("pid", "error_log", "client_body_temp_path", "proxy_temp_path"):
        line = next(line for line in config.splitlines() if line.strip().startswith(directive + " "))
        assert str(tmp_path) in line


def test_missing_tools_are_named_with_how_to_install_them(monkeypatch, capsys):
    monkeypatch.setattr(pages.shutil, "which", lambda _tool: None)
    monkeypatch.setattr(pages, "nginx_binary", lambda: None)
    assert pages.main(["--duration", "1"]) == 2
    assert "needs wrk and nginx: make wrk-nginx" in capsys.readouterr().err


def test_pages_are_chosen_by_name():
    assert pages._page_names("home") == ["home"]
    with pytest.raises(argparse.ArgumentTypeError, match="pages are article, home"):
        pages._page_names("article,search")


@pytest.mark.parametrize("bad", ["0", "1,x", ""])
def test_connection_counts_must_be_positive_numbers(bad):
    with pytest.raises(argparse.ArgumentTypeError):
        pages._connection_counts(bad)

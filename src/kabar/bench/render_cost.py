"""Render cost of reader pages: SQL queries and CPU time per page, no server and no page cache.

``python -m kabar.bench.render_cost [--n 40] [--json]`` against the configured database
(``KABAR_DATA_DIR`` / ``KABAR_DATABASE_URL``): fill it first with ``kabar demo`` or
``kabar bench-data --articles N``. It renders, through Django's test client, a Vietnamese article
(the one of the first 300 with most authors, a section and the longest body), the home page, that
article's section and first author, the first story, and the section 15 pages deep (a cursor,
``?before=``, where the section list has them). For each page: the queries of one render
(``CaptureQueriesContext``), then the median and p90 of ``--n`` renders in CPU milliseconds of
this process: SQLite runs in it, and CPU time does not count the wait for a core on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any


def _pages() -> dict[str, str]:
    from django.urls import reverse
    from django.utils import translation

    from kabar.news.models import ArticleText, Author, Section, Story
    from kabar.site.pagination import Cursor

    texts = list(
        ArticleText.objects.filter(language="vi", is_published=True)
        .select_related("article")
        .order_by("article__published_at", "pk")[:300]
    )
    if not texts:
        raise SystemExit("no published Vietnamese text: run `kabar demo` or `kabar bench-data` first")
    text = max(
        texts, key=lambda t: (t.article.authors.count(), t.article.section_id is not None, len(t.blocks))
    )
    pages: dict[str, str] = {}
    with translation.override("vi"):
        pages["article"] = text.get_absolute_url()
        pages["home"] = reverse("site:home")
        section = text.article.section or Section.objects.first()
        author = text.article.authors.first() or Author.objects.first()
        if section is not None:
            pages["section"] = section.get_absolute_url()
        if author is not None:
            pages["author"] = author.get_absolute_url()
        story = Story.objects.order_by("pk").first()
        if story is not None:
            pages["story"] = reverse("site:story", kwargs={"pk": story.pk})
    if section is not None:
        deep = list(
            ArticleText.objects.filter(language="vi", is_published=True, article__section=section)
            .select_related("article")
            .order_by("-article__published_at", "-article_id")[279:280]
        )
        if deep:
            pages["section, 15 pages deep"] = f"{pages['section']}?before={Cursor.of(deep[0])}"
    return pages


def measure(n: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client()
    rows = []
    for name, path in _pages().items():
        assert client.get(path).status_code == 200, path  # warm: templates, the section menu
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        # Read now: the next request's request_started signal clears the connection's query log.
        queries = len(captured.captured_queries)
        times = []
        for _ in range(n):
            start = time.process_time()
            client.get(path)
            times.append((time.process_time() - start) * 1000)
        times.sort()
        rows.append(
            {
                "page": name,
                "path": path,
                "queries": queries,
                "cpu_ms_p50": round(statistics.median(times), 2),
                "cpu_ms_p90": round(times[int(len(times) * 0.9)], 2),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="renders timed per page")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabar.conf.settings")
    os.environ["KABAR_PAGE_CACHE"] = "false"  # the cost of a render, not of a cache hit
    os.environ.setdefault("KABAR_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    rows = measure(args.n)
    if args.json:
        print(json.dumps({"pages": rows}, ensure_ascii=False))
        return
    print(f"{'page':24} {'queries':>7} {'CPU ms p50':>10} {'p90':>7}  path")
    for row in rows:
        print(
            f"{row['page']:24} {row['queries']:7d} {row['cpu_ms_p50']:10.2f} {row['cpu_ms_p90']:7.2f}  {row['path']}"
        )


if __name__ == "__main__":
    main()

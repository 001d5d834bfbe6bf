"""The production-shaped stack on loopback ports, end to end (issue 10, item 6).

Debian nginx with deploy/nginx/kabar.conf in front; ``kabar serve --workers 2`` (gunicorn);
two ``kabar worker`` processes on the RQ backend; PostgreSQL (a database of its own, dropped
after) and Redis (database 13, emptied before and after) from ``KABAR_TEST_DATABASE_URL`` and
``KABAR_TEST_REDIS_URL`` — so it runs in ``make test``'s PostgreSQL pass and skips elsewhere.

The sample outlet is ingested by the workers (the scheduler queues the due source on RQ, a worker
polls it); pages are read through nginx (home, article, static, media); then an article is
corrected in another process and nginx shows the correction: kabar's page cache (tag bump in
Redis) at once, the static-published file once a worker has rewritten it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest
import stack_support as stack

from kabar.demo.server import OutletServer
from kabar.serving import nginx

DATABASE, REDIS, WHY_NOT = stack.services()
pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not DATABASE, reason=WHY_NOT),
    pytest.mark.skipif(nginx.binary() is None, reason="Debian nginx is not installed (make wrk-nginx)"),
    pytest.mark.timeout(180),
]

ARTICLE_LINK = re.compile(r'href="(/vi/\d{4}/\d{2}/[^"/]+/)"')
CORRECTED = "Đính chính qua hệ thống"

SETUP = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from kabar.demo.load import OUTLET_NAME, load_sections
from kabar.news.models import Outlet, Source
load_sections()
outlet = Outlet.objects.create(slug="bao-song-hong", name=OUTLET_NAME, home_url="{outlet}/", language="vi")
source = Source(outlet=outlet, kind=Source.Kind.FEED, url="{outlet}/rss.xml", schedule_minutes=60)
source.grant_private_access(by=None)  # the operator approves the loopback outlet
source.save()
"""

# A correction as an editor's save makes it: through the ORM, in its own process and transaction.
CORRECT = """
from django.db import transaction
from kabar.news.models import ArticleText
text = ArticleText.objects.get(language="vi", slug="{slug}")
with transaction.atomic():
    text.title = "{title}"
    text.save()
print(text.article_id)
"""


def test_the_stack_ingests_through_rq_and_serves_a_correction_through_nginx(tmp_path: Path) -> None:
    assert DATABASE and REDIS
    clock = stack.Clock()
    data, published = tmp_path / "data", tmp_path / "published"
    processes = stack.Processes(tmp_path)
    web_port = nginx.free_port()
    with (
        stack.scratch_database(DATABASE, f"kabar_stack_{os.getpid()}") as database_url,
        stack.scratch_redis(REDIS) as redis_url,
        OutletServer() as outlet,
        nginx.in_front_of(
            f"127.0.0.1:{web_port}",
            tmp_path / "nginx",
            published=published,
            static=data / "static",
            media=data / "media",
        ) as proxy,
    ):
        base = f"http://127.0.0.1:{proxy.port}"
        env = stack.clean_env(
            KABAR_DATA_DIR=str(data),
            KABAR_DATABASE_URL=database_url,
            KABAR_REDIS_URL=redis_url,
            KABAR_TASKS_BACKEND="rq",
            KABAR_CACHE="redis",
            KABAR_PAGE_CACHE="true",
            KABAR_STATIC_PUBLISH_DIR=str(published),
            KABAR_SERVE_MEDIA="false",
            KABAR_SITE_URL=base,  # canonical links, and the host static publishing renders for
            KABAR_PROXY_COUNT="1",
            KABAR_SECRET_KEY="stack-test-only",
            KABAR_STORIES_ONLINE="false",  # no embedding model to load: this test is about serving
            KABAR_FETCH_HOST_DELAY="0",
            KABAR_INGEST_WORKERS="0",  # extraction in the work horse: one process fewer to start
        )
        try:
            # Django starts in the console and in gunicorn at once; the workers need the migrations.
            console = stack.Console(processes, env)
            serve = [*stack.KABAR, "serve", "--no-migrate", "--workers", "2", "--port", str(web_port)]
            processes.start("serve", [*serve, "--access-log", str(tmp_path / "access.log")], env)
            console.run(SETUP.format(outlet=outlet.url))
            clock.mark("database, migrations, collectstatic, the outlet's source")
            processes.start("worker-1", [*stack.KABAR, "worker"], env)  # with the scheduler
            processes.start("worker-2", [*stack.KABAR, "worker", "--no-scheduler"], env)
            with httpx.Client(base_url=base, timeout=20) as http:
                check_the_stack(http, console, processes, published, clock, redis_url)
            for name in ("serve", "worker-1", "worker-2"):  # for README's sizing notes
                count, megabytes = processes.memory(name)
                print(
                    f"stack: {name}: {count} process(es), {megabytes:.0f} MB resident (shared pages in each)"
                )
            assert processes.stop("serve", timeout=30) == 0, "TERM stops gunicorn gracefully"
            stats = console.run(
                "import json; from kabar.pagecache import store; print(json.dumps(store.totals()))"
            )
            totals = json.loads(stats)  # every process's, as `kabar stats` shows them
            assert totals["hit"] > 0 and totals["stored"] > 0 and totals["bumped_tags"] > 0, totals
            clock.mark("graceful stop, page cache counters")
        finally:
            processes.stop_all()
    assert clock.total < 150, "the stack test is meant to take under a minute on an idle machine"


def check_the_stack(
    http: httpx.Client,
    console: stack.Console,
    processes: stack.Processes,
    published: Path,
    clock: stack.Clock,
    redis_url: str,
) -> None:
    # Ingestion through RQ: the worker's scheduler queued the due source, a worker polled it.
    def home_with_articles() -> list[str] | None:
        if not stack.queue_done(redis_url, "fetch", started=1):  # the poll itself has finished
            return None
        page = http.get("/vi/")
        links = ARTICLE_LINK.findall(page.text) if page.status_code == 200 else []
        return links if len(set(links)) >= 5 else None

    links = stack.wait_for("the sample outlet ingested through RQ", home_with_articles, 90, processes)
    assert isinstance(links, list)
    clock.mark("servers up, the sample outlet ingested through RQ")
    url = links[0]
    slug = url.rstrip("/").rsplit("/", 1)[1]

    article = http.get(url)
    assert article.status_code == 200 and "text/html" in article.headers["content-type"]
    assert http.get("/vi/").status_code == 200

    # The page cache, through nginx: a tracking parameter goes to kabar (no file) and is ignored by
    # its cache key, so the second request is a stored page.
    cached = http.get(url, params={"utm_source": "stack"})
    assert cached.status_code == 200 and "article:" in cached.headers["surrogate-key"]
    assert http.get(url, params={"utm_source": "stack"}).text == cached.text
    title = re.search(r"<h1[^>]*>(.*?)</h1>", cached.text, re.S)
    assert title is not None and CORRECTED not in cached.text

    # Static publishing by the workers: the article's file, served by nginx itself (no Surrogate-Key).
    def from_file() -> httpx.Response | None:
        reply = http.get(url, headers={"Accept-Encoding": "identity"})
        return reply if reply.status_code == 200 and "surrogate-key" not in reply.headers else None

    stack.wait_for("the article published as a file", from_file, 30, processes)
    assert (published / url.strip("/") / "index.html.gz").is_file()
    clock.mark("pages through nginx, from kabar's cache and from the published file")

    # Static files and media, from their directories.
    css = http.get("/static/site/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert css.headers["cache-control"] == "public, max-age=3600"

    # Pictures are fetched after their articles, one task each (kabar.ingest.images), then the
    # pages' tags bumped: kabar's home page (a tracking parameter skips the file) shows them soon.
    def stored_picture() -> str | None:
        home = http.get("/vi/", params={"utm_source": "stack"}).text
        found = re.search(r'src="(/media/[^"]+)"', home)
        return found[1] if found else None

    image = stack.wait_for(
        "a picture stored by the workers, shown from /media/", stored_picture, 30, processes
    )
    assert isinstance(image, str)
    picture = http.get(image)
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/")
    assert "sandbox" in picture.headers["content-security-policy"]

    # A correction, saved in another process: kabar's copy is stale at once (tags bumped in Redis)…
    console.run(CORRECT.format(slug=slug, title=CORRECTED))
    clock.mark("static and media; the correction saved")
    fresh = http.get(url, params={"utm_source": "stack"})
    assert CORRECTED in fresh.text, "the page cache still served the page from before the correction"

    # …and the file is rewritten by a worker (publish_pages on RQ), the .gz with it.
    def corrected_file() -> bool:
        reply = http.get(url, headers={"Accept-Encoding": "identity"})
        return CORRECTED in reply.text and "surrogate-key" not in reply.headers

    stack.wait_for("the corrected file", corrected_file, 30, processes)
    zipped = http.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip" and CORRECTED in zipped.text

    # The home page's file may come from a later task than the article's (a tag bumped again by a
    # picture stored meanwhile is left to the task that bump queued), so it is waited for too.
    def corrected_home() -> bool:
        return CORRECTED in http.get("/vi/", headers={"Accept-Encoding": "identity"}).text

    stack.wait_for("the home page (file or kabar) listing the corrected title", corrected_home, 30, processes)
    clock.mark("the correction through nginx: page cache at once, then the rewritten file")

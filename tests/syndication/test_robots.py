"""``/robots.txt``: it names the sitemaps and keeps the admin, compare views and searches out.

Crawlers read ``*`` in a rule as any run of characters and match rules against the path and
query; the longest matching rule wins and Allow wins a tie (RFC 9309, as Google does it).
``urllib.robotparser`` knows no wildcards, so the rule matching is written out here.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from factories import make_article, make_text

from kabar.syndication import robots

SITE = settings.SITE_URL


def rules(body: str) -> list[tuple[str, str]]:
    found = []
    for line in body.splitlines():
        field, _, value = line.partition(":")
        if field.strip().lower() in {"allow", "disallow"}:
            found.append((field.strip().lower(), value.strip()))
    return found


def _pattern(rule: str) -> re.Pattern[str]:
    anchored = rule.endswith("$")
    body = ".*".join(re.escape(part) for part in rule.rstrip("$").split("*"))
    return re.compile(body + ("$" if anchored else ""))


def allowed(body: str, url: str) -> bool:
    """RFC 9309: the most specific (longest) matching rule decides; Allow wins a tie."""
    best: tuple[int, bool] | None = None
    for kind, rule in rules(body):
        if rule and _pattern(rule).match(url):
            candidate = (len(rule), kind == "allow")
            best = candidate if best is None else max(best, candidate)
    return True if best is None else best[1]


@pytest.fixture
def robots_txt(client: Client, db) -> str:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == f"public, max-age={robots.ROBOTS_MAX_AGE}"
    return response.content.decode()


def test_robots_names_the_sitemaps_by_absolute_url(robots_txt: str):
    sitemaps = [
        line.split(":", 1)[1].strip() for line in robots_txt.splitlines() if line.startswith("Sitemap:")
    ]
    assert sitemaps[0] == f"{SITE}/sitemap.xml"
    assert f"{SITE}/sitemap-news.xml" in sitemaps
    assert {f"{SITE}/sitemap-articles-{code}.xml" for code in ("vi", "en", "id")} <= set(sitemaps)
    assert all(url.startswith(("http://", "https://")) for url in sitemaps)


def test_every_sitemap_robots_names_answers(client: Client, robots_txt: str):
    for line in robots_txt.splitlines():
        if line.startswith("Sitemap:"):
            url = line.split(":", 1)[1].strip()
            assert client.get(url.removeprefix(SITE)).status_code == 200, url


def test_robots_has_one_group_for_every_crawler(robots_txt: str):
    assert robots_txt.splitlines()[0] == "User-agent: *"
    assert robots_txt.count("User-agent:") == 1


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/login/?next=/admin/",
        "/vi/2025/10/duong-sat-toc-do-cao/?compare=en",
        "/id/2025/10/kereta-cepat/?utm_source=x&compare=vi",
        "/vi/search/?q=duong",
        "/en/search/",
        "/id/search/?q=banjir&section=kota&page=2",
    ],
)
def test_kept_out(robots_txt: str, url: str):
    assert not allowed(robots_txt, url)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/vi/",
        "/en/kinh-te/",
        "/en/kinh-te/?page=2",
        "/vi/2025/10/duong-sat-toc-do-cao/",
        "/vi/2025/10/so-sanh-gia/",  # "compare" only as a parameter is kept out
        "/vi/author/hanh-nguyen/",
        "/vi/story/12/",
        # Slugs come from titles: an article or author called "Search" is no search page.
        "/en/2025/10/search/",
        "/en/author/search/",
        "/media/media/2025/10/photo.jpg",
        "/static/site/site.css",
        "/sitemap.xml",
        "/favicon.ico",
    ],
)
def test_the_rest_may_be_crawled(robots_txt: str, url: str):
    assert allowed(robots_txt, url)


def test_the_rule_matcher_can_say_no():
    # The matcher itself, on rules whose answers are known.
    body = "User-agent: *\nDisallow: /private/\nAllow: /private/open$\nDisallow: /*.pdf$\n"
    assert not allowed(body, "/private/x")
    assert allowed(body, "/private/open")
    assert not allowed(body, "/files/report.pdf")
    assert allowed(body, "/files/report.pdf?download=1")


def test_search_result_pages_also_say_noindex(client: Client, db):
    make_text(make_article(), "vi", title="Đường sắt", slug="duong-sat")
    response = client.get("/vi/search/?q=duong")
    assert response.status_code == 200
    assert b'<meta name="robots" content="noindex">' in response.content


def test_compare_views_also_say_noindex(client: Client, db):
    article = make_article()
    vi = make_text(article, "vi", slug="duong-sat")
    make_text(article, "en", slug="railway")
    page = client.get(vi.get_absolute_url())
    assert b'content="noindex"' not in page.content
    compare = client.get(vi.get_absolute_url() + "?compare=en")
    assert compare.status_code == 200
    assert b'<meta name="robots" content="noindex">' in compare.content

"""Which addresses taken from document content kabar accepts as web links, and what counts as one site."""

from __future__ import annotations

import pytest

from kabar.core.fetch.urls import http_url, is_http_url, same_site


@pytest.mark.parametrize(
    "value",
    ["https://nhandan.vn/a-post1.html", "http://bao.example/x?y=1", "  HTTPS://Bao.Example/x  "],
)
def test_http_urls_are_accepted(value: str) -> None:
    assert is_http_url(value)
    assert http_url(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "https:///no-host",
        "http://",
        "//cdn.example/a.jpg",
        "/relative/path",
        "www.nhandan.vn/a.html",
        "",
    ],
)
def test_everything_else_is_refused(value: str) -> None:
    assert not is_http_url(value)
    assert http_url(value) == ""


@pytest.mark.parametrize(
    ("page", "other"),
    [
        ("https://bao.example/a", "https://bao.example/b"),
        ("https://bao.example/a", "http://BAO.example.:8080/b"),
        ("https://www.bao.example/a", "https://bao.example/b"),
        ("https://bao.example/a", "https://www.bao.example/b"),
        ("https://m.bao.example/a", "https://www.bao.example/b"),
        ("https://amp.bao.example/a", "https://bao.example/b"),
    ],
)
def test_same_site_accepts_the_host_and_its_www_mobile_and_amp_names(page: str, other: str) -> None:
    assert same_site(page, other)


@pytest.mark.parametrize(
    ("page", "other"),
    [
        ("https://bao.example/a", "https://other.example/a"),
        # A hosted blog is not its platform, nor another blog on it.
        ("https://someone.blogs.example/a", "https://blogs.example/a"),
        ("https://someone.blogs.example/a", "https://victim.blogs.example/a"),
        ("https://bao.example/a", "https://news.bao.example/a"),
        ("https://bao.example.evil.test/a", "https://bao.example/a"),
        ("https://www.example/a", "https://example/a"),  # "www." is the whole name, not a prefix
        ("file:///tmp/a.html", "https://bao.example/a"),
        ("https://bao.example/a", "javascript:alert(1)"),
    ],
)
def test_other_hosts_are_other_sites(page: str, other: str) -> None:
    assert not same_site(page, other)

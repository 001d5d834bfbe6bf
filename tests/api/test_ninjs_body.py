"""The ninjs body: the blocks a reader sees, as clean HTML with absolute URLs, and as plain text."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ninjs_support import compiled_messages

from kabar.api.ninjs_body import BODY_ATTRIBUTES, BODY_TAGS, Body, render_body
from kabar.site.body import Figure, prepare_blocks

SITE = "https://kabar.example"


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else SITE + path


def body(
    blocks: list[dict[str, Any]],
    *,
    lead: str = "",
    lead_figures: list[Figure] | None = None,
    language: str = "en",
) -> Body:
    return render_body(prepare_blocks(blocks, lead, lead_figures or []), language=language, absolute=absolute)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_clean(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag in BODY_TAGS, html
        for name, value in attrs.items():
            assert name in BODY_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set()), html
            if name in {"href", "src"}:
                assert value and value.startswith(("https://", "http://", "mailto:")), html


HOSTILE = [
    {"type": "paragraph", "text": 'Before <script>alert("x")</script> after'},
    {"type": "paragraph", "text": '<img src=x onerror="alert(1)">Picture text'},
    {
        "type": "paragraph",
        "text": '<a href="javascript:alert(1)">click</a> and <a href="data:text/html,x">data</a>',
    },
    {
        "type": "paragraph",
        "text": '<span style="color:red" onclick="x()">styled</span> <iframe src="https://evil.example"></iframe>',
    },
    {"type": "heading", "text": "<h1>Big</h1> <em>title</em>", "level": 2},
    {
        "type": "quote",
        "text": "<b>Bold</b> quote",
        "cite": '<a href="https://evil.example">Someone</a> &amp; co',
    },
    {"type": "list", "items": ["<svg onload=alert(1)>one</svg>", "two &lt;b&gt;"]},
]


def test_markup_an_outlet_could_smuggle_in_never_leaves_kabar() -> None:
    html = body(HOSTILE).html
    assert_clean(html)
    for gone in (
        "script",
        "alert",
        "onerror",
        "javascript:",
        "data:",
        "style=",
        "onclick",
        "iframe",
        "<h1",
        "svg",
    ):
        assert gone not in html
    assert "Before  after" in html and "Picture text" in html and "styled" in html
    assert "<h2>Big <em>title</em></h2>" in html
    assert "<figcaption>Someone &amp; co</figcaption>" in html  # the cite is text, not a link
    assert "two &lt;b&gt;" in html


def test_special_characters_emoji_and_vietnamese_survive_escaped_once() -> None:
    rendered = body(
        [
            {"type": "paragraph", "text": "Giá tăng 5% &amp; lãi &lt; 2 — “đỉnh” 🌀🇻🇳 Đắk Lắk, Huế"},
            {"type": "paragraph", "text": "Tom &amp; Jerry said 1 < 2 & 3 > 2"},
        ],
        language="vi",
    )
    assert "<p>Giá tăng 5% &amp; lãi &lt; 2 — “đỉnh” 🌀🇻🇳 Đắk Lắk, Huế</p>" in rendered.html
    assert "Tom &amp; Jerry said 1 &lt; 2 &amp; 3 &gt; 2" in rendered.html
    assert (
        rendered.plain == "Giá tăng 5% & lãi < 2 — “đỉnh” 🌀🇻🇳 Đắk Lắk, Huế\n\nTom & Jerry said 1 < 2 & 3 > 2"
    )


def test_links_and_images_become_absolute_and_stay_so() -> None:
    html = body(
        [
            {
                "type": "paragraph",
                "text": '<a href="/vi/bao/">local</a> <a href="https://outlet.example/x">out</a>',
            },
            {
                "type": "image",
                "src": "/media/articles/ab/photo.jpg",
                "caption": "Một bức ảnh",
                "width": 640,
                "height": 480,
            },
        ]
    ).html
    assert '<a href="https://kabar.example/vi/bao/" rel="noopener">local</a>' in html
    assert '<a href="https://outlet.example/x" rel="noopener">out</a>' in html
    assert (
        '<img src="https://kabar.example/media/articles/ab/photo.jpg" alt="Một bức ảnh" width="640" height="480">'
        in html
    )
    assert_clean(html)


@pytest.mark.django_db
@pytest.mark.usefixtures(compiled_messages.__name__)
def test_figures_as_the_page_shows_them_credit_in_the_bodys_language() -> None:
    blocks = [
        {"type": "image", "src": "https://img.example/a.jpg", "caption": "Cây đổ", "credit": "TTXVN"},
        {"type": "image", "src": "https://img.example/b.jpg", "caption": "Lũ (Ảnh: VNA)", "credit": "VNA"},
        {"type": "image", "src": "capture:image-3", "caption": "Chỉ có chú thích"},
    ]
    html = body(blocks, language="vi").html
    assert '<span class="credit">Ảnh: TTXVN</span>' in html
    assert "Lũ (Ảnh: VNA)</span></figcaption>" in html  # the caption carries the credit already: once
    assert (
        '<figure class="figure"><figcaption><span class="caption">Chỉ có chú thích</span></figcaption></figure>'
        in html
    )
    assert "capture:" not in html
    assert '<span class="credit">Foto: TTXVN</span>' in body(blocks, language="id").html


def test_what_the_page_drops_the_body_drops() -> None:
    lead = "Gió giật mạnh."
    rendered = body(
        [
            {"type": "paragraph", "text": "Gió giật mạnh."},  # the lead again
            {"type": "paragraph", "text": "Một đoạn."},
            {"type": "paragraph", "text": "Một   đoạn."},  # a repeat
            {"type": "paragraph", "text": "img-8949-8066.jpg"},  # a file name, not words
            {"type": "heading", "text": "Deep", "level": 4},  # no h2 above it: becomes h2
        ],
        lead=lead,
    )
    assert rendered.html == "<p>Một đoạn.</p>\n<h2>Deep</h2>"


def test_counts_are_of_the_text_without_captions() -> None:
    rendered = body(
        [
            {"type": "paragraph", "text": "One two <em>three</em>."},
            {"type": "image", "src": "https://img.example/a.jpg", "caption": "Caption words here"},
            {"type": "list", "items": ["four", "five six"]},
        ]
    )
    assert rendered.plain == "One two three.\n\nfour\n\nfive six"
    assert rendered.word_count == 6
    assert rendered.char_count == len(rendered.plain)


_fragments = st.sampled_from(
    [
        "<script>x</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">j</a>',
        '<a href="/local">l</a>',
        "<style>p{}</style>",
        '<p style="x">',
        "</p><div>",
        "&amp;",
        "&lt;",
        "<",
        ">",
        '"',
        "'",
        "Đà Nẵng",
        "🌀",
        "<em>",
        "</strong>",
        "<!-- c -->",
        "<![CDATA[x]]>",
    ]
)
_text = st.lists(st.one_of(_fragments, st.text(max_size=8)), min_size=1, max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["paragraph", "heading", "quote", "list"]), _text), min_size=1, max_size=5
    )
)
def test_any_block_text_gives_clean_html(pieces: list[tuple[str, str]]) -> None:
    blocks: list[dict[str, Any]] = []
    for kind, text in pieces:
        if not text.strip():
            continue
        if kind == "list":
            blocks.append({"type": "list", "items": [text, text + " 2"]})
        elif kind == "quote":
            blocks.append({"type": "quote", "text": text, "cite": text})
        else:
            blocks.append({"type": kind, "text": text, **({"level": 2} if kind == "heading" else {})})
    html = body(blocks).html
    assert_clean(html)
    lowered = html.lower()
    assert "javascript:" not in lowered and "<script" not in lowered and "onerror" not in lowered

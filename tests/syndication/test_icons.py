"""The favicon, touch icon and web app manifest: where browsers look, with the right types and caching."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from PIL import Image

from kabar.syndication import icons, make_icons

STATIC = Path(icons.__file__).resolve().parent / "static" / "syndication"


def image(content: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(content))
    picture.load()
    return picture


def test_favicon_ico_answers_at_the_root_with_three_sizes(client: Client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    picture = image(response.content)
    assert picture.format == "ICO"
    assert picture.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert response.content == (STATIC / "favicon.ico").read_bytes()


@pytest.mark.parametrize("path", ["/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"])
def test_apple_touch_icon_answers_at_the_root_opaque_and_180px(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    picture = image(response.content)
    assert picture.size == (180, 180)
    assert picture.mode == "RGB"  # iOS paints transparency black


def test_root_icons_are_cached_for_a_week_and_revalidated_by_etag(client: Client):
    response = client.get("/favicon.ico")
    assert response["Cache-Control"] == f"public, max-age={icons.ICON_MAX_AGE}"
    etag = response["ETag"]
    again = client.get("/favicon.ico", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert client.get("/apple-touch-icon.png")["ETag"] != etag
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405


def test_the_manifest_names_the_site_and_its_icons_resolve(client: Client, settings):
    settings.SITE_NAME = "Kabar Tin Tức"
    response = client.get("/site.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    assert response["Cache-Control"] == f"public, max-age={icons.MANIFEST_MAX_AGE}"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Kabar Tin Tức"
    assert manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        assert served["Content-Type"] == icon["type"]
        if icon["type"] == "image/png":
            width, height = image(b"".join(served.streaming_content)).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add((icon["sizes"], icon["purpose"]))
    # Chrome installs with a 192px and a 512px icon; Android crops the maskable one.
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_page_links_its_icons_and_each_link_answers(client: Client, db):
    page = client.get("/vi/")
    assert page.status_code == 200
    head = BeautifulSoup(page.content, "html.parser").head
    links = {
        " ".join(link["rel"]): link
        for link in head.find_all("link", rel=["icon", "apple-touch-icon", "manifest"])
    }
    assert set(links) == {"icon", "apple-touch-icon", "manifest"}
    types = {}
    for link in head.find_all("link", rel=["icon", "apple-touch-icon", "manifest"]):
        response = client.get(link["href"])
        assert response.status_code == 200, link["href"]
        types[link["href"]] = response["Content-Type"]
    assert types["/static/syndication/favicon.svg"] == "image/svg+xml"
    assert types["/static/syndication/favicon.ico"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert types["/static/syndication/apple-touch-icon.png"] == "image/png"
    assert types["/site.webmanifest"].startswith("application/manifest+json")
    svg_link = head.find("link", rel="icon", type="image/svg+xml")
    assert svg_link is not None


def test_the_committed_icons_are_the_ones_make_icons_draws():
    made = make_icons.files()
    assert set(made) == {p.name for p in STATIC.iterdir()}
    # The SVG is text and exact; the PNGs are compared by size and a few pixels (PNG bytes
    # depend on the zlib and Pillow that wrote them).
    assert (STATIC / "favicon.svg").read_bytes() == made["favicon.svg"]
    for name, content in made.items():
        if not name.endswith(".png"):
            continue
        committed, drawn = image((STATIC / name).read_bytes()), image(content)
        assert committed.size == drawn.size, name
        width = committed.size[0]
        for x, y in [(width // 2, width // 2), (width // 4, width // 2), (3, 3), (width - 4, width - 4)]:
            assert committed.convert("RGBA").getpixel((x, y)) == drawn.convert("RGBA").getpixel((x, y)), (
                name,
                x,
                y,
            )


def test_rounded_icons_have_transparent_corners_and_the_glyph_in_paper():
    small = image((STATIC / "icon-32.png").read_bytes()).convert("RGBA")
    assert small.getpixel((0, 0))[3] == 0
    large = image((STATIC / "icon-512.png").read_bytes()).convert("RGBA")
    assert large.getpixel((0, 0))[3] == 0
    assert large.getpixel((22 * 8, 32 * 8))[:3] == (0xFD, 0xFC, 0xFA)  # on the stem
    assert large.getpixel((8 * 8, 32 * 8))[:3] == (0xA4, 0x16, 0x1A)  # the tile
    # The maskable icon keeps its glyph inside the centre circle Android may crop to (radius 40 %).
    maskable = image((STATIC / "icon-maskable-512.png").read_bytes()).convert("RGB")
    for x in range(512):
        for y in (0, 511):
            assert maskable.getpixel((x, y)) == (0xA4, 0x16, 0x1A)
    paper = [
        (x, y) for x in range(0, 512, 4) for y in range(0, 512, 4) if maskable.getpixel((x, y))[0] > 0xE0
    ]
    assert paper
    assert all((x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2 for x, y in paper)


def test_the_svg_favicon_has_no_style_or_script():
    svg = (STATIC / "favicon.svg").read_text()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<style" not in svg and "<script" not in svg and "style=" not in svg

"""Draws kabar's favicon and web app icons into ``static/syndication/``; run once, commit the output.

    .venv/bin/python -m kabar.syndication.make_icons

The mark is a lower-case "k" in the paper colour on the accent red of ``site/site.css``. It is
drawn from polygons, not from a font, so the SVG and the PNGs are the same shape on every
machine. The PNGs are drawn four times larger and scaled down, which anti-aliases the edges.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = "#a4161a"  # --accent in site.css
PAPER = "#fdfcfa"  # --paper
GRID = 64  # the design grid; every coordinate below is on it
CORNER = 14  # tile corner radius on the grid
SUPERSAMPLE = 4
# The "k" as one outline: the stem, an arm up to the right and a leg down to the right, meeting
# where the stem's right edge crosses them (one polygon leaves no seam between the strokes).
GLYPH: list[list[tuple[float, float]]] = [
    [
        (17, 11),
        (27, 11),
        (27, 31.3),
        (39, 21),
        (52, 21),
        (34.8, 35.8),
        (52, 53),
        (39, 53),
        (27, 41),
        (27, 53),
        (17, 53),
    ]
]
# A maskable icon is cropped to a circle (or another shape) 80 % of its width: the glyph is
# scaled into that safe zone around the centre.
MASKABLE_SCALE = 0.72

STATIC = Path(__file__).resolve().parent / "static" / "syndication"


def _scaled(polygon: list[tuple[float, float]], scale: float) -> list[tuple[float, float]]:
    centre = GRID / 2
    return [(centre + (x - centre) * scale, centre + (y - centre) * scale) for x, y in polygon]


def draw(size: int, *, rounded: bool, glyph_scale: float = 1.0) -> Image.Image:
    """The icon at ``size`` pixels: a rounded tile with transparent corners, or a full square."""
    big = size * SUPERSAMPLE
    unit = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle([(0, 0), (big - 1, big - 1)], radius=CORNER * unit, fill=ACCENT)
    else:
        pen.rectangle([(0, 0), (big - 1, big - 1)], fill=ACCENT)
    for polygon in GLYPH:
        pen.polygon([(x * unit, y * unit) for x, y in _scaled(polygon, glyph_scale)], fill=PAPER)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def svg() -> str:
    paths = "".join(
        '<path d="M{}Z"/>'.format("L".join(f"{x:g} {y:g}" for x, y in polygon)) for polygon in GLYPH
    )
    # Attributes only, no <style>: the file is served under the site's strict CSP.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        f'<rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{ACCENT}"/>'
        f'<g fill="{PAPER}">{paths}</g></svg>\n'
    )


def png(image: Image.Image, *, opaque: bool = False) -> bytes:
    out = io.BytesIO()
    # Apple's touch icons must be opaque: iOS paints transparent pixels black.
    (image.convert("RGB") if opaque else image).save(out, format="PNG", optimize=True)
    return out.getvalue()


def files() -> dict[str, bytes]:
    """Every icon file by name, as bytes."""
    ico = io.BytesIO()
    # Each size drawn at its own resolution, not scaled down from the largest.
    draw(48, rounded=True).save(
        ico,
        format="ICO",
        sizes=[(16, 16), (32, 32), (48, 48)],
        append_images=[draw(16, rounded=True), draw(32, rounded=True)],
    )
    return {
        "favicon.svg": svg().encode(),
        "favicon.ico": ico.getvalue(),
        "icon-32.png": png(draw(32, rounded=True)),
        # iOS rounds the corners itself; a full square avoids a red ring inside its mask.
        "apple-touch-icon.png": png(draw(180, rounded=False), opaque=True),
        "icon-192.png": png(draw(192, rounded=True)),
        "icon-512.png": png(draw(512, rounded=True)),
        "icon-maskable-512.png": png(draw(512, rounded=False, glyph_scale=MASKABLE_SCALE), opaque=True),
    }


def main() -> int:
    STATIC.mkdir(parents=True, exist_ok=True)
    for name, content in files().items():
        (STATIC / name).write_bytes(content)
        print(f"{STATIC / name} ({len(content)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

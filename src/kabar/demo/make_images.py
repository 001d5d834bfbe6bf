"""Draw the illustrative "photos" of the fictional demo outlet.

The outlets' pages reference these JPEGs by file name: Báo Sông Hồng's ``SCENES`` go to
``outlet/images/``, each partner outlet's ``PARTNER_SCENES`` to ``partners/<slug>/images/``.
They are simple drawn scenes (no real photographs, so nothing can be mistaken for a real
event) with a label that says they are illustrations and names the fictional outlet.
Drawing is seeded by the file name, so the same Pillow build always produces the same
bytes:

    python -m kabar.demo.make_images [OUT_DIR]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kabar.demo import OUTLET_DIR, PARTNERS

WIDTH, HEIGHT = 1200, 675
JPEG_QUALITY = 70
HORIZON = 430  # y of the line between sky and ground

Color = tuple[int, int, int]


def _rgb(hex_color: str) -> Color:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (0, 2, 4))
    return (r, g, b)


@dataclass(frozen=True)
class Scene:
    file: str
    label: str  # ASCII only: Pillow's bundled font has no Vietnamese glyphs
    kind: str  # one of DRAWERS' keys
    palette: str  # hex colours: "sky-top sky-bottom ground accent"
    outlet: str = "Bao Song Hong"  # ASCII, for the label: whose (fictional) illustration this is

    def colour(self, index: int) -> Color:
        return _rgb(self.palette.split()[index])

    @property
    def ground(self) -> Color:
        return self.colour(2)

    @property
    def accent(self) -> Color:
        return self.colour(3)


# fmt: off
SCENES: tuple[Scene, ...] = (
    Scene("metro-train.jpg", "Metro line 2 trial run", "city", "5c96d2 e6c8a0 5a5a5f c82828"),
    Scene("metro-station.jpg", "Cho Cu underground station", "indoor", "3c4048 787c82 46464a f0c83c"),
    Scene("storm-drill.jpg", "Typhoon drill, Cua Lach ward", "water", "46505f 96a0aa 3c5a6e fa821e"),
    Scene("waste-sorting.jpg", "Sorting waste at source", "crowd", "aad2e6 ebf0f0 96968c 289650"),
    Scene("rice-port.jpg", "Rice containers at the port", "city", "78aadc e1e6eb 505f6e 1e6eaa"),
    Scene("rice-field.jpg", "Dong Xanh cooperative fields", "field", "8cbeeb f0ebc8 78aa3c dcc846"),
    Scene("coffee-harvest.jpg", "Picking ripe coffee cherries", "field", "96c8e6 f5e6c8 3c6e32 be1e28"),
    Scene("textile-workers.jpg", "A sewing line", "indoor", "c8cdd2 ebebe6 aaa5a0 3c5aaa"),
    Scene("museum-facade.jpg", "Hong Chau Museum facade", "city", "78aadc f0e1c8 a09687 e6d2a0"),
    Scene("museum-ceramics.jpg", "Shipwreck ceramics gallery", "indoor", "282d3c 505564 32323c 5a8cbe"),
    Scene("pottery-wheel.jpg", "At the potter's wheel", "indoor", "785a46 aa8c6e 6e503c c87846"),
    Scene("pottery-class.jpg", "Pottery class for pupils", "crowd", "c8aa8c ebd7be 966e50 be6e3c"),
    Scene("lantern-river.jpg", "Lanterns on the Van river", "water", "0f1432 3c325a 141e3c ffbe3c"),
    Scene("lantern-workshop.jpg", "Lantern-making workshop", "crowd", "46283c 965a5a 643c32 faaa32"),
    Scene("trekking-tea-hills.jpg", "Trail through the tea hills", "field", "96c8f0 e6f0e6 468c46 e6e678"),
    Scene("marathon-start.jpg", "Marathon start at dawn", "crowd", "28325a e6966e 505055 f05a28"),
    Scene("marathon-dyke.jpg", "Runners on the river dyke", "water", "f0aa78 fadcaa 5a788c 282832"),
    Scene("volleyball-final.jpg", "Volleyball final", "crowd", "283c6e 5a6ea0 c8783c fadc3c"),
    Scene("salinity-sensor.jpg", "Sensor buoy in a shrimp pond", "water", "96c8eb e6f0f0 46786e fa7814"),
    Scene("startup-team.jpg", "Start-up founders", "crowd", "dce1e6 f5f5f5 b4b4b9 2878c8"),
    Scene("village-library.jpg", "A library by the dyke", "indoor", "bea078 e1cdaa 8c6446 aa2828"),
    Scene("metro-gates.jpg", "Ticket gates, Cho Cu station", "indoor", "2d323c 6e737d 414146 28b4e6"),
    Scene("storm-surge.jpg", "Storm surge over the sea wall", "water", "323c46 6e7882 2d465a f0f0f0"),
    Scene("storm-shelter.jpg", "Evacuees at a school shelter", "crowd", "5a646e 8c96a0 a0a096 e63c32"),
    Scene("shrimp-pond-flood.jpg", "Pumping out a flooded pond", "water", "8ca0b4 c8d2d7 6e6450 32a0dc"),
)

RRP, HST = "Red River Post", "Harian Selat Timur"
PARTNER_SCENES: dict[str, tuple[Scene, ...]] = {
    "red-river-post": (
        Scene("metro-viaduct.jpg", "Metro Line 2 on the viaduct", "city", "6ea0d2 dcd2be 646469 1e78c8", RRP),
        Scene("coast-road-flood.jpg", "Coastal road under water", "water", "3c4650 78828c 37505f dcdcdc", RRP),
        Scene("marathon-bridge.jpg", "Runners crossing a bridge", "crowd", "e6a06e f5d7b4 6e6e73 1e5ac8", RRP),
    ),
    "harian-selat-timur": (
        Scene("runner-finish.jpg", "At the marathon finish", "crowd", "f0b482 fae6c8 8c8c91 dc3232", HST),
        Scene("ships-in-harbour.jpg", "Ships sheltering in port", "water", "46505a 8c96a0 3c5064 e6a01e", HST),
        Scene("lantern-release.jpg", "Releasing lanterns", "water", "0f1428 463764 191e3c ffc850", HST),
    ),
}
# fmt: on


def _shade(color: Color, factor: float) -> Color:
    r, g, b = (max(0, min(255, int(c * factor))) for c in color)
    return (r, g, b)


def _sky(draw: ImageDraw.ImageDraw, top: Color, bottom: Color, height: int) -> None:
    for y in range(height):
        t = y / max(1, height - 1)
        r, g, b = (int(a + (z - a) * t) for a, z in zip(top, bottom, strict=True))
        draw.line([(0, y), (WIDTH, y)], fill=(r, g, b))


def _draw_city(draw: ImageDraw.ImageDraw, scene: Scene, rng: random.Random) -> None:
    x = 0
    while x < WIDTH:
        w, h = rng.randint(60, 140), rng.randint(120, 330)
        body = _shade(scene.ground, rng.uniform(0.8, 1.4))
        draw.rectangle([x, HORIZON - h, x + w, HORIZON], fill=body)
        for wy in range(HORIZON - h + 15, HORIZON - 20, 28):
            for wx in range(x + 10, x + w - 15, 22):
                draw.rectangle([wx, wy, wx + 10, wy + 14], fill=_shade(body, 1.5))
        x += w + rng.randint(4, 20)
    draw.rectangle([0, HORIZON, WIDTH, HEIGHT], fill=_shade(scene.ground, 0.7))
    # an elevated deck with a train or a row of containers in the accent colour
    draw.rectangle([0, HORIZON - 40, WIDTH, HORIZON - 28], fill=(200, 200, 205))
    for cx in range(140, 900, 190):
        draw.rounded_rectangle([cx, HORIZON - 95, cx + 180, HORIZON - 42], radius=14, fill=scene.accent)


def _draw_water(draw: ImageDraw.ImageDraw, scene: Scene, rng: random.Random) -> None:
    draw.polygon(
        [
            (0, HORIZON - 40),
            (300, HORIZON - 110),
            (620, HORIZON - 60),
            (1200, HORIZON - 120),
            (1200, HORIZON),
            (0, HORIZON),
        ],
        fill=_shade(scene.ground, 0.6),
    )
    draw.rectangle([0, HORIZON, WIDTH, HEIGHT], fill=scene.ground)
    for y in range(HORIZON + 12, HEIGHT, 18):
        offset = rng.randint(0, 60)
        for x in range(-offset, WIDTH, 120):
            draw.arc([x, y, x + 80, y + 14], 200, 340, fill=_shade(scene.ground, 1.4), width=2)
    for _ in range(28):
        x, y = rng.randint(20, WIDTH - 40), rng.randint(HORIZON + 20, HEIGHT - 40)
        r = rng.randint(6, 16)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=scene.accent)


def _draw_field(draw: ImageDraw.ImageDraw, scene: Scene, rng: random.Random) -> None:
    draw.ellipse([WIDTH - 260, 60, WIDTH - 160, 160], fill=(255, 240, 190))
    for i, lift in enumerate((170, 110, 60)):
        cx = rng.randint(100, WIDTH - 100)
        draw.ellipse(
            [cx - 700, HORIZON - lift, cx + 700, HORIZON + 500], fill=_shade(scene.ground, 0.7 + 0.15 * i)
        )
    for y in range(HORIZON + 10, HEIGHT, 26):
        draw.line([(0, y), (WIDTH, y - 40)], fill=_shade(scene.ground, 1.25), width=6)
    for _ in range(40):
        x, y = rng.randint(0, WIDTH), rng.randint(HORIZON, HEIGHT)
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=scene.accent)


def _draw_indoor(draw: ImageDraw.ImageDraw, scene: Scene, rng: random.Random) -> None:
    draw.rectangle([0, HORIZON, WIDTH, HEIGHT], fill=scene.ground)
    for x in range(60, WIDTH - 160, 260):
        h = rng.randint(180, 280)
        draw.rectangle(
            [x, HORIZON + 40 - h, x + 180, HORIZON + 40], outline=_shade(scene.accent, 0.8), width=6
        )
        for sy in range(HORIZON + 40 - h + 30, HORIZON + 40, 40):
            draw.rectangle([x + 12, sy, x + 168, sy + 22], fill=_shade(scene.accent, rng.uniform(0.7, 1.2)))
    for x in range(0, WIDTH, 200):
        draw.line([(x, HEIGHT), (WIDTH // 2, HORIZON)], fill=_shade(scene.ground, 0.85), width=3)


def _draw_crowd(draw: ImageDraw.ImageDraw, scene: Scene, rng: random.Random) -> None:
    draw.rectangle([0, HORIZON, WIDTH, HEIGHT], fill=scene.ground)
    for row, y in enumerate(range(HORIZON - 40, HEIGHT + 60, 70)):
        for x in range(-20 + (row % 2) * 35, WIDTH + 40, 70):
            jitter = rng.randint(-12, 12)
            shirt = scene.accent if rng.random() < 0.45 else _shade(scene.ground, rng.uniform(0.5, 1.6))
            draw.rounded_rectangle([x - 26, y + jitter + 18, x + 26, y + jitter + 90], radius=18, fill=shirt)
            draw.ellipse([x - 16, y + jitter - 14, x + 16, y + jitter + 18], fill=(205, 165, 130))


DRAWERS: dict[str, Callable[[ImageDraw.ImageDraw, Scene, random.Random], None]] = {
    "city": _draw_city,
    "water": _draw_water,
    "field": _draw_field,
    "indoor": _draw_indoor,
    "crowd": _draw_crowd,
}


def _label(draw: ImageDraw.ImageDraw, text: str, outlet: str) -> None:
    title = ImageFont.load_default(size=40)
    small = ImageFont.load_default(size=22)
    draw.rectangle([0, HEIGHT - 96, WIDTH, HEIGHT], fill=(20, 20, 24))
    draw.text((28, HEIGHT - 88), text, font=title, fill=(255, 255, 255))
    draw.text(
        (28, HEIGHT - 38),
        f"Illustration - {outlet}, a fictional outlet for the kabar demo",
        font=small,
        fill=(200, 200, 200),
    )


def render(scene: Scene) -> Image.Image:
    """One scene as an RGB image of WIDTH x HEIGHT."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    _sky(draw, scene.colour(0), scene.colour(1), HORIZON)
    # seeded by name (str seeds are hashed with SHA-512, unaffected by PYTHONHASHSEED)
    DRAWERS[scene.kind](draw, scene, random.Random(scene.file))
    _label(draw, scene.label, scene.outlet)
    return image


def write_images(out_dir: Path | None = None, scenes: tuple[Scene, ...] = SCENES) -> list[Path]:
    """Write ``scenes`` as JPEGs into ``out_dir`` (default: Báo Sông Hồng's images folder)."""
    target = out_dir if out_dir is not None else OUTLET_DIR / "images"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for scene in scenes:
        path = target / scene.file
        render(scene).save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the demo outlets' illustrative images.")
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=None,
        help="default: each outlet's own images/ (else OUT_DIR, partners in OUT_DIR/<slug>/)",
    )
    args = parser.parse_args(argv)
    written = write_images(args.out_dir)
    for partner in PARTNERS:
        target = partner.directory / "images" if args.out_dir is None else args.out_dir / partner.slug
        written += write_images(target, PARTNER_SCENES[partner.slug])
    for path in written:
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

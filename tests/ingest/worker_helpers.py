"""Shared by the worker tests: local articles to ingest, and a `kabar` process's environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import lxml.html

import kabar

KABAR = str(Path(sys.executable).with_name("kabar"))
DEMO_OUTLET = Path(kabar.__file__).parent / "demo" / "outlet"


def write_documents(folder: Path, count: int, skip: int = 0) -> list[Path]:
    """Demo outlet articles without pictures or scripts (nothing to fetch: only the pipeline runs)."""
    folder.mkdir(parents=True)
    pages = sorted(p for p in DEMO_OUTLET.glob("*/*.html") if p.name != "index.html")[skip : skip + count]
    for page in pages:
        tree = lxml.html.parse(str(page))
        for element in tree.xpath("//img|//figure|//picture|//script"):
            element.drop_tree()
        (folder / page.name).write_bytes(lxml.html.tostring(tree, encoding="utf-8"))
    return pages


def kabar_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment minus its KABAR_ settings, plus a data dir of its own and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env.update(
        KABAR_DATA_DIR=str(data_dir),
        KABAR_DATABASE_URL="",
        KABAR_SECRET_KEY="worker-test",
        KABAR_FETCH_HOST_DELAY="0",
        **settings,
    )
    return env

"""The docs stay true: every command README shows exists, every setting it names is in the table."""

import re
from pathlib import Path

from django.core.management import get_commands

from kabar.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def documented_commands() -> set[str]:
    """``kabar <command>`` as shown in code: shell blocks (after any VAR=value prefix) and inline code."""
    shown = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        fence = None  # the language of the code block we are in, if any
        for line in text.splitlines():
            if line.startswith("```"):
                fence = None if fence is not None else (line[3:].strip() or "text")
                continue
            if fence in {"sh", "bash", "console"}:
                words = [w for w in line.split() if not re.match(r"^[A-Z_]+=", w) and not w.startswith("'")]
                if len(words) >= 2 and words[0] == "kabar":
                    shown.add(words[1])
        shown |= set(re.findall(r"`kabar ([a-z][a-z_-]*)", text))
    return shown


def test_every_kabar_command_in_the_docs_exists():
    shown = documented_commands()
    assert {"serve", "worker", "ingest", "extract", "translate", "settings", "demo"} <= shown
    missing = shown - set(get_commands())
    assert not missing, f"documented but not a command: {sorted(missing)}"


def test_every_setting_named_in_the_docs_is_in_the_settings_table():
    known = {s.name for s in SETTINGS}
    named = set()
    for doc in DOCS:
        named |= set(re.findall(r"\bKABAR_[A-Z_]+\b", doc.read_text(encoding="utf-8")))
    named -= {"KABAR_TEST_DATABASE_URL", "KABAR_TEST_REDIS_URL"}  # test-only, read by tests/conftest.py
    assert not named - known, f"documented but unknown settings: {sorted(named - known)}"


def test_the_readme_has_exactly_two_set_up_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", setup, re.S).group(1)
    assert [line.split()[0:2] for line in block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]

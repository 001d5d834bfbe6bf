"""Every entry point that pyproject.toml declares names an importable object.

The installed metadata can lag the source after modules move (an editable install keeps the
entry points of the last ``pip install``), so this reads pyproject.toml itself.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def declared() -> list[tuple[str, str, str]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    found = [
        (group, name, target)
        for group, entries in project["entry-points"].items()
        for name, target in entries.items()
    ]
    found += [("scripts", name, target) for name, target in project.get("scripts", {}).items()]
    return found


def test_pyproject_declares_plugins() -> None:
    groups = {group for group, _, _ in declared()}
    assert len(declared()) >= 9
    assert "scripts" in groups and len(groups) >= 3


@pytest.mark.parametrize(("group", "name", "target"), declared(), ids=lambda value: str(value))
def test_entry_point_target_imports(group: str, name: str, target: str) -> None:
    module_name, _, attribute = target.partition(":")
    obj = importlib.import_module(module_name)
    for part in attribute.split(".") if attribute else []:
        obj = getattr(obj, part)
    assert obj is not None

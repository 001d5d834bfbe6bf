"""The layout of ``kabar.core``: stage subpackages whose imports point one way, and no Django.

Imports are read with ``ast`` from the source, so a forbidden edge fails here even when it
sits in a function body or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import kabar.core

CORE = Path(kabar.core.__file__).parent

# The shared base at the top of ``kabar.core``: every stage may use it, it uses no stage.
BASE = {"types", "errors", "stage", "workers", "blocks"}

# What each part may import from ``kabar.core`` (besides itself). ``pipeline`` composes the
# stages for one document and may import any of them; nothing imports ``pipeline`` but the shell.
ALLOWED: dict[str, set[str]] = {
    "base": {"base"},
    "fetch": {"base"},
    "text": {"base"},
    "discover": {"base"},
    "extract": {"base", "fetch", "text"},
    "translate": {"base", "fetch", "text"},
    "sources": {"base", "fetch", "text", "extract"},
    "pipeline": {"base", "fetch", "text", "extract", "sources"},
}

# The only modules outside ``kabar.core`` that the core may import: neither imports Django.
OUTSIDE = {"kabar.config", "kabar.hookspecs"}


def part_of(module: str) -> str:
    """The part of the core that a dotted module name belongs to."""
    parts = module.split(".")
    assert parts[:2] == ["kabar", "core"], module
    if len(parts) == 2:
        return "base"
    top = parts[2]
    if top in BASE:
        return "base"
    assert top in ALLOWED, f"{module}: not in a known part of kabar.core; add it to test_layout.py"
    return top


def module_name(path: Path) -> str:
    relative = path.relative_to(CORE.parent.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for every import in one file, relative ones resolved."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # ``from kabar.core.text import clean`` imports a module
                yield node.lineno, f"{module}.{alias.name}"


def core_files() -> list[Path]:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 40
    return files


def test_core_never_imports_django() -> None:
    found = [
        f"{path.relative_to(CORE)}:{line}: {module}"
        for path in core_files()
        for line, module in imports(path)
        if module == "django" or module.startswith("django.")
    ]
    assert found == []


def test_core_imports_only_config_and_hookspecs_from_the_rest_of_kabar() -> None:
    found = [
        f"{path.relative_to(CORE)}:{line}: {module}"
        for path in core_files()
        for line, module in imports(path)
        if module.startswith("kabar.")
        and not module.startswith("kabar.core")
        and not any(module == allowed or module.startswith(allowed + ".") for allowed in OUTSIDE)
    ]
    assert found == []


def forbidden(importer: str, imported: str) -> bool:
    """Whether module ``importer`` may not import module ``imported`` (both in kabar.core)."""
    source, target = part_of(importer), part_of(imported)
    return source != target and target not in ALLOWED[source]


def test_core_imports_point_one_way() -> None:
    found = [
        f"{path.relative_to(CORE)}:{line}: {module}"
        for path in core_files()
        for line, module in imports(path)
        if (module == "kabar.core" or module.startswith("kabar.core."))
        and forbidden(module_name(path), module)
    ]
    assert found == []


def test_every_core_module_lives_in_a_known_part() -> None:
    for path in core_files():
        part_of(module_name(path))


def test_the_rule_catches_upward_imports() -> None:
    assert forbidden("kabar.core.text.clean", "kabar.core.extract.extract")
    assert forbidden("kabar.core.fetch.fetch", "kabar.core.sources")
    assert forbidden("kabar.core.types", "kabar.core.text.clean")
    assert forbidden("kabar.core.extract.capture", "kabar.core.pipeline")
    assert not forbidden("kabar.core.sources.feed", "kabar.core.extract.safe_xml")
    assert not forbidden("kabar.core.translate.mt.ct2", "kabar.core.errors")

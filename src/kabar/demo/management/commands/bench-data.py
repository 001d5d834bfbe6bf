"""``kabar bench-data --articles N [--seed S] [--append] [--no-index]``: see ``kabar.demo.bench_data``.

The file name has a hyphen so that the command reads as the others do (``kabar bench-data``);
the code lives in an importable module.
"""

from __future__ import annotations

from kabar.demo.bench_data_command import Command

__all__ = ["Command"]

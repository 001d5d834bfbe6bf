"""The ``kabar`` console script: Django's management commands under kabar's settings.

``kabar serve``, ``kabar demo``, ``kabar worker``, ``kabar ingest``, ``kabar extract``,
``kabar translate``, ``kabar settings`` are kabar's own; every Django command
(``migrate``, ``createsuperuser``, …) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabar.conf.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "kabar"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

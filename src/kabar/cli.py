"""The ``kabar`` console script: Django's management commands under kabar's settings.

``kabar serve``, ``kabar demo``, ``kabar worker``, ``kabar ingest``, ``kabar extract``,
``kabar translate``, ``kabar settings`` are kabar's own; every Django command
(``migrate``, ``createsuperuser``, …) works too.

Two things a new user meets first are handled here, for every command at once:

* a command that only reads (``kabar``, ``kabar --help``, ``kabar help …``, ``… --help``,
  ``kabar settings``, ``kabar version``) creates nothing in the data dir;
* a database without kabar's tables gives one line saying to run ``kabar migrate``, and
  exit status 2, instead of Django's traceback ending in "no such table".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kabar.config import READ_ONLY_COMMAND

READ_ONLY_COMMANDS = frozenset({"help", "settings", "version", "--help", "-h", "--version"})
HELP_FLAGS = frozenset({"--help", "-h"})
USAGE_ERROR = 2


def only_reads(args: Sequence[str]) -> bool:
    """True for a command line that prints help, the version or the settings and touches nothing."""
    words = list(args[1:])
    return not words or words[0] in READ_ONLY_COMMANDS or bool(HELP_FLAGS & set(words))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabar.conf.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "kabar"
    if only_reads(args):
        os.environ[READ_ONLY_COMMAND] = "1"
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(args)
    except DatabaseError:
        problem = unmigrated_database()
        if problem is None:
            raise  # a database error of another kind: its traceback is the useful part
        print(f"kabar: {problem}", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def unmigrated_database() -> str | None:
    """What is missing from a database kabar's migrations have not (all) been applied to; None if nothing.

    Asked after a command failed on the database, so the check costs nothing on the way in.
    """
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    connection.close()  # a failed statement may have left the connection unusable (PostgreSQL)
    try:
        if not connection.introspection.table_names():
            state = "has no tables yet"
        else:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if not pending:
                return None
            state = f"lacks {len(pending)} migration{'s' if len(pending) > 1 else ''}"
    except DatabaseError:
        return None  # the database cannot be read at all: the original error says why
    return (
        f"the database at {database_location()} {state} — run `kabar migrate` "
        f"(or `kabar serve`, which migrates){older_database_hint()}"
    )


def database_location() -> str:
    """The database as a user would name it: the SQLite file, or host and name (never a password)."""
    from django.db import connection

    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(conf["NAME"])
    host = conf.get("HOST") or "localhost"
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"{connection.vendor}://{host}{port}/{conf['NAME']}"


def older_database_hint() -> str:
    """Before the data dir had a per-user default, it was ./var: point at one found there."""
    if os.environ.get("KABAR_DATA_DIR") or os.environ.get("KABAR_DATABASE_URL"):
        return ""
    older = Path("var") / "kabar.sqlite3"
    if not older.is_file():
        return ""
    return f"; a database from an older set-up is at {older.resolve()}: set KABAR_DATA_DIR={Path('var').resolve()} to use it"


if __name__ == "__main__":
    main()

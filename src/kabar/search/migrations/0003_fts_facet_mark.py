"""SQLite: facet tokens start with a private-use character, so searches need no column filter.

No query can hold that character (see ``kabar.search.backends.sqlite_fts5.FACET_MARK``), so
the reader's words are matched against the whole row again, which is cheaper than confining
them to ``{title lead body}``. Rebuilt from the documents table both ways, like 0002.
"""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _run(schema_editor: BaseDatabaseSchemaEditor, *lists: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    from kabar.search.backends import sqlite_fts5

    for name in lists:
        for statement in getattr(sqlite_fts5, name):
            schema_editor.execute(statement)


def forward(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, "DROP_V2_SQL", "CREATE_V3_SQL", "FILL_V3_SQL")


def backward(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, "DROP_V3_SQL", "CREATE_V2_SQL", "FILL_V2_SQL")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fts_facets_prefix4")]

    operations = [migrations.RunPython(forward, backward)]

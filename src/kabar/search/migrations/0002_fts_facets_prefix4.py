"""SQLite: rebuild ``search_fts`` with a ``facets`` column and a four-letter prefix index.

Filtered searches AND facet tokens into their MATCH instead of checking each candidate's row
(see ``kabar.search.backends.sqlite_fts5``). The index is rebuilt from the documents table, so
nothing is lost and no reindex is needed; the reverse rebuilds the 0001 table the same way.
PostgreSQL is left as it is.
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
    _run(schema_editor, "DROP_SQL", "CREATE_V2_SQL", "FILL_V2_SQL")


def backward(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, "DROP_V2_SQL", "CREATE_SQL", "FILL_SQL")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]

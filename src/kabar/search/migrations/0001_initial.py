from typing import Any

import django.contrib.postgres.search
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _statements(schema_editor: BaseDatabaseSchemaEditor, which: str) -> list[str]:
    # The FTS5 table and its triggers on SQLite, the extensions, text search configurations and
    # GIN indexes on PostgreSQL: each database gets the structures of its own backend only.
    from kabar.search.backends import postgres, sqlite_fts5

    backend = {"sqlite": sqlite_fts5, "postgresql": postgres}.get(schema_editor.connection.vendor)
    return list(getattr(backend, which)) if backend else []


def create(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in _statements(schema_editor, "CREATE_SQL"):
        schema_editor.execute(statement)


def drop(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in _statements(schema_editor, "DROP_SQL"):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text_id", models.PositiveBigIntegerField(unique=True)),
                ("article_id", models.PositiveBigIntegerField(db_index=True)),
                ("language", models.CharField(max_length=12)),
                ("title", models.TextField()),
                ("lead", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("published", models.DateTimeField()),
                ("outlet", models.CharField(max_length=100)),
                ("section", models.CharField(blank=True, max_length=100)),
                ("original_language", models.CharField(max_length=12)),
                (
                    "config",
                    models.CharField(blank=True, help_text="Text search configuration used.", max_length=40),
                ),
                ("title_folded", models.TextField(blank=True)),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["language"], name="search_sear_languag_0fe767_idx"),
                    models.Index(fields=["published"], name="search_sear_publish_13ea29_idx"),
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]

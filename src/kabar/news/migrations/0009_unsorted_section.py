"""The built-in "unsorted" section: where ingestion files an article whose section label no editor mapped yet.

Editors get the permissions to map labels (the Editor role). Existing articles stay where they are (sections earlier ingestion created from outlets' labels
included): an editor moves or deletes those sections in the admin.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

UNSORTED = "unsorted"
NAMES = {"en": "Unsorted", "vi": "Chưa phân loại", "id": "Belum dipilah"}


def create_unsorted(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Section = apps.get_model("news", "Section")
    Section.objects.get_or_create(slug=UNSORTED, defaults={"names": NAMES, "position": 32767})


def grant_mappings_to_editors(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from kabar.newsroom.roles import sync_roles

    sync_roles(apps)  # the Editor role maps outlets' section labels (news.*_sectionmapping)


def remove_unsorted_if_empty(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Section = apps.get_model("news", "Section")
    Section.objects.filter(slug=UNSORTED, articles__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("news", "0008_section_mapping_republication"),
        ("newsroom", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(create_unsorted, remove_unsorted_if_empty),
        migrations.RunPython(grant_mappings_to_editors, migrations.RunPython.noop),
    ]

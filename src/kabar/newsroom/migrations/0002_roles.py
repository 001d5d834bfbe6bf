"""The newsroom's roles as groups: Editor, Translator, Moderator, Sources manager (``kabar.newsroom.roles``).

Idempotent: a database that has the groups keeps them and what was added to them, and
gains only what is missing. The Moderator group is empty until a comments app exists;
that app's migration runs ``sync_roles`` again to grant it the comment permissions.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def make_roles(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from kabar.newsroom.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("news", "0006_text_published_by"),
        ("translation", "0002_publish_despite_qa_permission"),
        ("stories", "0001_initial"),
        ("ingest", "0002_worker_heartbeat"),
    ]

    # Backwards: the groups stay (people may be in them); migrating forward again is harmless.
    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]

"""The Moderator role gets every comment permission (``kabar.newsroom.roles``: ``comments.*``)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def grant_moderators(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from kabar.newsroom.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("newsroom", "0002_roles"),
    ]

    # Backwards: the permissions stay with the group; migrating forward again is harmless.
    operations = [migrations.RunPython(grant_moderators, migrations.RunPython.noop)]

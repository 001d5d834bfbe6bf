"""Who published or edited each text and when; the publish permission apart from change.

Texts stored before keep what can be told: a published text was published when it was
stored (by kabar: no person), and a text with an editor was last edited when last saved.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import F


def fill_record(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ArticleText = apps.get_model("news", "ArticleText")
    ArticleText.objects.filter(is_published=True, published_at=None).update(published_at=F("created_at"))
    ArticleText.objects.exclude(editor=None).filter(edited_at=None).update(edited_at=F("modified_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0005_rendered_body"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="articletext",
            options={
                "ordering": ["article", "language"],
                "permissions": [("publish_articletext", "Can publish and unpublish texts")],
            },
        ),
        migrations.AddField(
            model_name="articletext",
            name="edited_at",
            field=models.DateTimeField(
                blank=True, help_text="When a person last edited its words.", null=True
            ),
        ),
        migrations.AddField(
            model_name="articletext",
            name="published_at",
            field=models.DateTimeField(blank=True, help_text="When it was last published.", null=True),
        ),
        migrations.AddField(
            model_name="articletext",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                help_text="Who last published it; empty: kabar did (ingestion, machine translation).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Backwards: nothing to undo, the columns go.
        migrations.RunPython(fill_record, migrations.RunPython.noop, elidable=True),
    ]

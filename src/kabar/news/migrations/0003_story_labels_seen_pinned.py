"""Stories get labels per language, first/last seen and a pin; the old single label is kept as the
default language's label. Article.story moves to kabar.stories' memberships (stories 0001), then
goes (news 0004)."""

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def labels_from_label(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Story = apps.get_model("news", "Story")
    for story in Story.objects.exclude(label=""):
        story.labels = {settings.LANGUAGE_CODE: story.label}
        story.save(update_fields=["labels"])


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0002_source_private_access_article_fetched_url"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="story",
            options={"ordering": ["-last_seen", "-pk"], "verbose_name_plural": "stories"},
        ),
        migrations.AddField(
            model_name="story",
            name="first_seen",
            field=models.DateTimeField(
                blank=True, help_text="Publication time of its first article.", null=True
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="labels",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Names per language, kept by people: {"vi": "Bão Yagi", "en": "Typhoon Yagi"}.',
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="last_seen",
            field=models.DateTimeField(
                blank=True, db_index=True, help_text="Publication time of its latest article.", null=True
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="modified_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="story",
            name="pinned",
            field=models.BooleanField(
                default=False,
                help_text="Kept as is: new articles may join it, none is moved out or deleted automatically.",
            ),
        ),
        migrations.RunPython(labels_from_label, migrations.RunPython.noop),
    ]

"""Texts and captions keep their page-ready form (sanitised HTML, plain-text keys, summary), made
by save() from now on and here for the rows already stored."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from kabar.news import rendered

BATCH = 500


def fill_rendered(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Render every stored text and caption once, as save() does from now on."""
    ArticleText = apps.get_model("news", "ArticleText")
    Media = apps.get_model("news", "Media")
    batch = []
    for text in ArticleText.objects.only("pk", "lead", "blocks").iterator(chunk_size=BATCH):
        text.rendered_body = rendered.render_body(text.lead, text.blocks)
        text.rendered_summary = rendered.summary(text.lead, text.blocks)
        batch.append(text)
        if len(batch) >= BATCH:
            ArticleText.objects.bulk_update(batch, ["rendered_body", "rendered_summary"])
            batch = []
    ArticleText.objects.bulk_update(batch, ["rendered_body", "rendered_summary"])
    media = []
    for row in Media.objects.only("pk", "captions").iterator(chunk_size=BATCH):
        row.rendered_captions = rendered.render_captions(row.captions)
        media.append(row)
        if len(media) >= BATCH:
            Media.objects.bulk_update(media, ["rendered_captions"])
            media = []
    Media.objects.bulk_update(media, ["rendered_captions"])


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0004_remove_article_story_story_label'),
    ]

    operations = [
        migrations.AddField(
            model_name='articletext',
            name='rendered_body',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name='articletext',
            name='rendered_summary',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='media',
            name='rendered_captions',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        # Backwards: nothing to undo, the fields go with the columns.
        migrations.RunPython(fill_rendered, migrations.RunPython.noop, elidable=True),
    ]

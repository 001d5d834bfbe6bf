"""Record the texts that exist when webhooks arrive as already announced.

Without this, the first save of any older article after the upgrade would announce it as
newly published to every subscriber.
"""

from django.db import migrations

from kabar.webhooks.digest import text_digest


def record_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    ArticleText = apps.get_model("news", "ArticleText")
    AnnouncedText = apps.get_model("webhooks", "AnnouncedText")
    rows = []
    for text in ArticleText.objects.only("article_id", "language", "status", "is_published", "title", "lead", "blocks").iterator():
        rows.append(
            AnnouncedText(
                article_id=text.article_id,
                language=text.language,
                is_original=text.status == "original",
                published=text.is_published,
                digest=text_digest(text.title, text.lead, text.blocks),
                title=text.title[:500],
            )
        )
        if len(rows) >= 1000:
            AnnouncedText.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    AnnouncedText.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("news", "0004_remove_article_story_story_label"),
    ]

    operations = [migrations.RunPython(record_existing, migrations.RunPython.noop)]

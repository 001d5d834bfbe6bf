"""Indexes for newest-first reader lists: section pages, their cursors, related lists."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0006_text_published_by'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['section', 'published_at', 'id'], name='article_section_newest'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['published_at', 'id'], name='article_newest'),
        ),
    ]

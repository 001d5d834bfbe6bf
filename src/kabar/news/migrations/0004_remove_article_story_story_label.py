"""Article.story and Story.label are gone: memberships (kabar.stories) and Story.labels replace them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0003_story_labels_seen_pinned"),
        ("stories", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="article", name="story"),
        migrations.RemoveField(model_name="story", name="label"),
    ]

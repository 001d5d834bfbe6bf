"""Memberships and stored signals; any Article.story already set becomes an auto membership."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def memberships_from_article_story(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Article = apps.get_model("news", "Article")
    StoryMembership = apps.get_model("stories", "StoryMembership")
    StoryMembership.objects.bulk_create(
        StoryMembership(article_id=pk, story_id=story_id, reason="kept from before memberships")
        for pk, story_id in Article.objects.filter(story__isnull=False).values_list("pk", "story_id")
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("news", "0003_story_labels_seen_pinned"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSignals",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="relate_signals",
                        serialize=False,
                        to="news.article",
                    ),
                ),
                ("embedder", models.CharField(max_length=200)),
                ("text_hash", models.CharField(max_length=64)),
                (
                    "vector",
                    models.BinaryField(help_text="Unit-length float32 embedding of title + lead + opening."),
                ),
                (
                    "entities",
                    models.JSONField(blank=True, default=list, help_text="Normalised names and numbers."),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "article signals",
            },
        ),
        migrations.CreateModel(
            name="StoryMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("score", models.FloatField(default=0.0, help_text="The evidence for joining (0..1).")),
                ("reason", models.CharField(blank=True, max_length=300)),
                (
                    "assigned_by",
                    models.CharField(
                        choices=[("auto", "relate stage"), ("editor", "editor")], default="auto", max_length=8
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="story_membership",
                        to="news.article",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="memberships",
                        to="news.story",
                    ),
                ),
            ],
            options={
                "ordering": ["story_id", "article__published_at", "article__pk"],
            },
        ),
        migrations.RunPython(memberships_from_article_story, migrations.RunPython.noop),
    ]

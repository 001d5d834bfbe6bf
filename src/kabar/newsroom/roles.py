"""The newsroom's roles: each a Django group with the permissions the role needs, and no more.

* **Editor**: articles, their texts and media, sections, authors, stories; publishes texts
  (``news.publish_articletext``, also past QA: ``translation.publish_despite_qa``), post-edits,
  queues translations from the status matrix, keeps the glossary. Sees outlets and sources.
* **Translator**: post-edits machine translations and writes human ones (adds and changes
  texts, media captions), sees articles, the matrix, glossary and memory. Cannot publish a
  human text, queue engines or change articles; a ``TranslatorProfile`` may limit the
  target languages (``kabar.newsroom.limits``).
* **Moderator**: readers' comments. The comments app does not exist yet, so the group is
  made empty; the ``comments.*`` entry grants every permission of an app labelled
  ``comments`` as soon as one exists: its own migration only has to run ``sync_roles``
  again (as ``newsroom`` 0002 does), after its permissions are made.
* **Sources manager**: outlets and sources, ingestion failures. Never ``allow_private`` nor
  the server-side kinds (file, WARC, capture): the source admin leaves those to superusers,
  whatever the permissions (``kabar.news.admin.SourceGuard``).

``sync_roles`` is idempotent and only adds: a group that exists keeps what an administrator
added to it, a permission granted twice is granted once, and nothing is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EDITOR = "Editor"
TRANSLATOR = "Translator"
MODERATOR = "Moderator"
SOURCES_MANAGER = "Sources manager"


def _model(app_model: str, actions: str = "add change delete view") -> tuple[str, ...]:
    app, model = app_model.split(".")
    return tuple(f"{app}.{action}_{model}" for action in actions.split())


ROLES: Mapping[str, tuple[str, ...]] = {
    EDITOR: (
        *_model("news.article"),
        *_model("news.articletext"),
        "news.publish_articletext",
        *_model("news.media"),
        *_model("news.section"),
        *_model("news.sectionmapping"),  # which outlet labels file under which section
        *_model("news.author", "add change view"),
        *_model("news.story"),
        *_model("stories.storymembership"),
        "news.view_outlet",
        "news.view_source",
        "news.view_articlealias",
        "news.view_articlerevision",
        "translation.view_matrix",
        "translation.change_matrix",
        "translation.view_postedit",
        "translation.change_postedit",
        "translation.publish_despite_qa",
        *_model("translation.glossaryterm"),
        "translation.view_tmentry",
        "ingest.view_ingestfailure",
    ),
    TRANSLATOR: (
        "news.view_article",
        "news.view_articletext",
        "news.add_articletext",
        "news.change_articletext",
        "news.view_media",
        "news.change_media",
        "news.view_section",
        "translation.view_matrix",
        "translation.view_postedit",
        "translation.change_postedit",
        "translation.view_glossaryterm",
        "translation.view_tmentry",
    ),
    MODERATOR: ("comments.*",),
    SOURCES_MANAGER: (
        *_model("news.outlet"),
        *_model("news.source"),
        "ingest.view_ingestfailure",
    ),
}


def sync_roles(apps: Any, roles: Mapping[str, tuple[str, ...]] = ROLES) -> dict[str, int]:
    """Make each role's group and grant it the permissions that exist now; the count per group.

    ``apps`` is a migration's app registry (or ``django.apps.apps``). Permissions are made
    first for every installed app, since on a fresh database Django would otherwise make
    them only after the last migration (``post_migrate``).
    """
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions

    labels = {entry.split(".", 1)[0] for entries in roles.values() for entry in entries}
    for config in installed.get_app_configs():
        if config.label in labels:
            create_permissions(config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    counts = {}
    for name, wanted in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        found = []
        for entry in wanted:
            app, codename = entry.split(".", 1)
            query = Permission.objects.filter(content_type__app_label=app)
            found += list(query if codename == "*" else query.filter(codename=codename))
        group.permissions.add(*found)
        counts[name] = group.permissions.count()
    return counts

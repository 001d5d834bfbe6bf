from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    """One thread per article across its language versions, moderated Coral-style."""

    name = "kabar.comments"
    label = "comments"
    verbose_name = _("Comments")

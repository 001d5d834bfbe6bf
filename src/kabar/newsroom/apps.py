from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    """Newsroom roles (Editor, Translator, Moderator, Sources manager) and translators' languages."""

    name = "kabar.newsroom"
    label = "newsroom"
    verbose_name = _("Newsroom")

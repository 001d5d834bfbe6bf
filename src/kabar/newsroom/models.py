"""What kabar.newsroom keeps: the target languages a translator may work in.

The roles themselves are plain Django groups, made by this app's migrations from
``kabar.newsroom.roles``; nothing here duplicates them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _site_languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def validate_languages(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(gettext('A list of language codes, e.g. ["en", "id"].'))
    unknown = sorted(set(value) - set(_site_languages()))
    if unknown:
        raise ValidationError(
            gettext("Not a site language: %(codes)s (the site languages are %(languages)s).")
            % {"codes": ", ".join(unknown), "languages": ", ".join(_site_languages())}
        )


class TranslatorProfile(models.Model):
    """A user's translation languages. No profile, or an empty list: every language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="translator_profile",
        verbose_name=_("user"),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_languages],
        help_text=_(
            'Target languages this person may translate and post-edit into, e.g. ["en", "id"]; '
            "empty: every site language. Superusers are never limited."
        ),
        verbose_name=_("languages"),
    )

    class Meta:
        verbose_name = _("translator's languages")
        verbose_name_plural = _("translators' languages")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.languages) or gettext('every language')}"

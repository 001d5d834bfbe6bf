"""Which target languages a user may write texts in (a ``TranslatorProfile``), asked by every page that edits texts.

``None`` means no limit: superusers, users without a profile, and profiles with no
languages. The limit is about writing: a limited translator still sees every text.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def allowed_languages(user: Any) -> frozenset[str] | None:
    """The languages ``user`` may write in, or None for every language."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    from kabar.newsroom.models import TranslatorProfile

    profile = TranslatorProfile.objects.filter(user=user).only("languages").first()
    if profile is None or not profile.languages:
        return None
    return frozenset(code.lower() for code in profile.languages)


def may_write(user: Any, language: str) -> bool:
    allowed = allowed_languages(user)
    return allowed is None or language.lower() in allowed


def refusal(user: Any, language: str) -> str:
    """The sentence that tells a limited translator why a text is read-only for them."""
    allowed = ", ".join(sorted(allowed_languages(user) or ()))
    return _(
        "You translate into %(allowed)s only; this text is in %(language)s. Ask an editor to change your languages."
    ) % {
        "allowed": allowed,
        "language": language,
    }


PUBLISH = "news.publish_articletext"  # publishing a text is apart from writing it


def limit_language_form(form: type[Any], user: Any) -> type[Any]:
    """``form`` (a model form with a ``language`` field) refusing the languages ``user`` may not write."""
    if allowed_languages(user) is None or "language" not in getattr(form, "base_fields", {}):
        return form
    from django.core.exceptions import ValidationError

    def clean_language(self: Any) -> str:
        language = str(self.cleaned_data["language"])
        if not may_write(user, language):
            raise ValidationError(refusal(user, language))
        return language

    return type(form.__name__, (form,), {"clean_language": clean_language})

"""The Media row form of the article admin: one caption box per site language instead of a JSON dict.

Captions in languages that are not site languages (an outlet's, kept from ingestion) are
kept as they were; an emptied box removes that language's caption.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from kabar.news.models import Media


def site_languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class CaptionsWidget(forms.MultiWidget):
    """One short box per language, stacked in one column, each labelled with its language code."""

    template_name = "news/widgets/captions.html"

    def __init__(self, languages: list[tuple[str, str]], attrs: dict[str, Any] | None = None) -> None:
        self.languages = languages
        widgets = [forms.Textarea(attrs={"rows": 2, "cols": 30, "lang": code}) for code, _name in languages]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        captions = value if isinstance(value, dict) else {}
        return [str(captions.get(code, "")) for code, _name in self.languages]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for sub, (code, label) in zip(context["widget"]["subwidgets"], self.languages, strict=True):
            sub["language"], sub["language_name"] = code, label
        return context


class CaptionsField(forms.MultiValueField):
    def __init__(self, **kwargs: Any) -> None:
        languages = site_languages()
        self.languages = languages
        fields = [forms.CharField(required=False, strip=True) for _code in languages]
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(
            fields, widget=CaptionsWidget(languages), require_all_fields=False, required=False, **kwargs
        )

    def compress(self, data_list: list[str]) -> dict[str, str]:
        values = data_list or [""] * len(self.languages)
        return {code: value for (code, _name), value in zip(self.languages, values, strict=True) if value}


class MediaForm(forms.ModelForm[Media]):
    captions = CaptionsField(label=gettext_lazy("captions"))

    class Meta:
        model = Media
        fields = ["image", "url", "captions", "credit"]

    def clean_captions(self) -> dict[str, str]:
        typed: dict[str, str] = self.cleaned_data.get("captions") or {}
        site = {code for code, _name in site_languages()}
        kept = {code: text for code, text in (self.instance.captions or {}).items() if code not in site}
        return {**kept, **typed}

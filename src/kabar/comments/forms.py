"""The comment and report forms (server-rendered, no JavaScript).

Two robot checks besides the rate limits: a honeypot field people never see (hidden by the
stylesheet, labelled "leave empty" for screen readers), and a signed time stamp written when
the form is shown: a form sent back faster than ``KABAR_COMMENTS_MIN_SECONDS``, for another
article, or after ``FORM_MAX_AGE`` is shown again instead of stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from kabar.comments import text
from kabar.comments.models import Report
from kabar.comments.policy import option

STAMP_SALT = "kabar.comments.form"
FORM_MAX_AGE = 24 * 3600
HONEYPOT = "website"


def form_stamp(article_id: int, now: float | None = None) -> str:
    return signing.dumps(
        {"article": article_id, "t": now if now is not None else time.time(), "n": secrets.token_hex(8)},
        salt=STAMP_SALT,
    )


def use_stamp(stamp: str) -> bool:
    """Mark a form's stamp used; False when it was used already (one form, one comment)."""
    key = "kabar:comments:stamp:" + hashlib.sha256(stamp.encode()).hexdigest()
    return bool(cache.add(key, 1, FORM_MAX_AGE + 60))


def stamp_problem(stamp: str, article_id: int, now: float | None = None) -> str | None:
    """Why a form's stamp does not pass, in words for the reader; None when it does."""
    now = now if now is not None else time.time()
    try:
        data = signing.loads(stamp, salt=STAMP_SALT, max_age=FORM_MAX_AGE)
    except signing.SignatureExpired:
        return str(_("This form was open for too long. Please check your comment and send it again."))
    except signing.BadSignature:
        return str(_("This form could not be checked. Please send your comment again."))
    if not isinstance(data, dict) or data.get("article") != article_id:
        return str(_("This form could not be checked. Please send your comment again."))
    if now - float(data.get("t", now)) < option("min_seconds"):
        return str(_("That was very quick. Please read your comment once more and send it again."))
    return None


class CommentForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("Never shown. We send you a link to confirm your first comment from this browser."),
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=text.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text; links are shown as links but not followed by search engines."),
    )
    language = forms.ChoiceField(label=_("Language of your comment"))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    started = forms.CharField(widget=forms.HiddenInput)
    # The honeypot: hidden by comments.css; a robot filling every field fills it too.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, article_id: int, signed_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article_id = article_id
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = list(settings.LANGUAGES)
        if signed_in:
            del self.fields["name"], self.fields["email"]

    def clean_body(self) -> str:
        body = text.normalize(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError(_("Write a comment first."))
        return body

    def clean_name(self) -> str:
        name = " ".join(text.normalize(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Tell us the name to show with your comment."))
        return name

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stamp = cleaned.get("started", "")
        problem = stamp_problem(stamp, self.article_id)
        if problem:
            raise forms.ValidationError(problem)
        if not use_stamp(stamp):  # a robot replaying one opened form for many comments
            raise forms.ValidationError(_("This form could not be checked. Please send your comment again."))
        return cleaned

    @property
    def robot(self) -> bool:
        return bool(self.data.get(HONEYPOT))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with this comment?"), choices=Report.Reason.choices)
    note = forms.CharField(label=_("Anything to add (optional)"), max_length=300, required=False)

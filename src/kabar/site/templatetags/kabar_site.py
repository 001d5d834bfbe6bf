"""Template filters for reader pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from kabar.core.blocks import sanitize_inline

register = template.Library()


@register.filter
def inline_html(value: object) -> SafeString:
    """Body text with its inline markup kept.

    Stored text was sanitised on the way in; it is sanitised again here because
    the page, not the pipeline, is what must never carry a script to a reader.
    """
    return mark_safe(sanitize_inline(str(value or "")))  # noqa: S308 - sanitised by nh3 just above

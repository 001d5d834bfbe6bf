"""Template filters for reader pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

from kabar.core.blocks import sanitize_inline

register = template.Library()


@register.filter
def inline_html(value: object) -> SafeString:
    """Body text with its inline markup kept.

    Raw stored text is sanitised here: the page, not the pipeline, is what must never carry a
    script to a reader. Text already marked safe is printed as it is; that is what the body and
    captions from ``kabar.site.body`` are: nh3's output, made when their row was saved
    (``kabar.news.rendered``), so a page does not sanitise the same text once per view.
    """
    if isinstance(value, SafeData):
        return SafeString(value)
    return mark_safe(sanitize_inline(str(value or "")))  # noqa: S308 - sanitised by nh3 just above

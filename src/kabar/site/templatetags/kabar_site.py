"""Template filters for reader pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat
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


@register.filter(expects_localtime=True, is_safe=False)
def iso_datetime(value: object) -> str:
    """``|date:"c"`` (ISO 8601 in the current time zone), without the date formatter's machinery:
    a page prints a dozen ``<time datetime>``, and ``date`` parses its format string for each."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):  # a datetime too, already in the current time zone
        return value.isoformat()
    try:
        return dateformat.format(value, "c")  # type: ignore[arg-type]  # as ``date`` does
    except AttributeError:
        return ""

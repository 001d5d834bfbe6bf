"""``{% page_feeds as feeds %}``: the feeds a page offers (see ``kabar.syndication.feed_links``)."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template.context import Context

from kabar.syndication.feed_links import FeedLink
from kabar.syndication.feed_links import page_feeds as feeds_of

register = template.Library()


@register.simple_tag(takes_context=True)
def page_feeds(context: Context) -> list[FeedLink]:
    return feeds_of(cast(dict[str, Any], context.flatten()))

"""``|iso_datetime`` prints what ``|date:"c"`` prints, for every kind of value a page may hand it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2025, 1, 31, 20, 0, tzinfo=dt.UTC),  # another day in Asia/Ho_Chi_Minh
        dt.datetime(2025, 6, 1, 8, 30, 15, 123, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(2025, 6, 1, 8, 30),  # naive
        dt.date(2025, 6, 1),
        None,
        "",
        "not a date",
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "UTC"])
def test_the_same_as_the_date_filter(value, zone):
    engine = engines["django"]
    with timezone.override(zone):
        ours = engine.from_string("{% load kabar_site %}{{ value|iso_datetime }}").render({"value": value})
        django = engine.from_string("{{ value|date:'c' }}").render({"value": value})
    assert ours == django

"""Cursor (keyset) pagination: a page is "the next N after this row", never "page 7".

The cursor is opaque: the sort key of the last row of the page (for articles
``(published_at, id)``, newest first), with the list's name, signed with the site's secret
(``django.core.signing``). Walking ``next`` links gives every row once: rows added or changed
meanwhile cannot shift a page boundary, as offsets would. A tampered or foreign cursor is a 400.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from kabar.api.errors import ApiError
from kabar.site.present import absolute

SALT = "kabar.api.cursor"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Keyset:
    """The ordering a list is paged by: model fields, all ascending or all descending, ``pk`` last."""

    name: str  # the list, so a cursor of one list cannot be used on another
    fields: tuple[str, ...]
    descending: bool = False

    def order_by(self) -> list[str]:
        return [f"-{f}" if self.descending else f for f in self.fields]

    def after(self, values: Sequence[Any]) -> Q:
        """Rows strictly after the row whose key is ``values``, in this ordering."""
        op = "lt" if self.descending else "gt"
        condition = Q()
        for i in reversed(range(len(self.fields))):
            equal = {f: v for f, v in zip(self.fields[:i], values[:i], strict=True)}
            step = Q(**equal, **{f"{self.fields[i]}__{op}": values[i]})
            condition = step if i == len(self.fields) - 1 else step | condition
        return condition

    def key_of(self, row: Model) -> list[Any]:
        return [getattr(row, f) for f in self.fields]


def encode(keyset: Keyset, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return signing.dumps([keyset.name, *plain], salt=SALT, compress=True)


def decode(keyset: Keyset, cursor: str) -> list[Any]:
    try:
        payload = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        raise ApiError(
            400, "invalid cursor: use the next link of the previous page", code="invalid_cursor"
        ) from None
    if not isinstance(payload, list) or len(payload) != len(keyset.fields) + 1 or payload[0] != keyset.name:
        raise ApiError(400, "this cursor belongs to another list", code="invalid_cursor")
    values = payload[1:]
    return [
        dt.datetime.fromisoformat(v) if f.endswith(("_at", "_seen")) and v is not None else v
        for f, v in zip(keyset.fields, values, strict=True)
    ]


def next_url(request: HttpRequest, cursor: str) -> str:
    params = [(k, v) for k, values in request.GET.lists() if k != "cursor" for v in values]
    params.append(("cursor", cursor))
    return absolute(f"{request.path}?{urllib.parse.urlencode(params)}")


def page(
    request: HttpRequest, rows: QuerySet[M], keyset: Keyset, *, limit: int, cursor: str | None
) -> tuple[list[M], str | None]:
    """One page of ``rows`` in ``keyset`` order, and the absolute URL of the next one (None at the end)."""
    rows = rows.order_by(*keyset.order_by())
    if cursor:
        rows = rows.filter(keyset.after(decode(keyset, cursor)))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, next_url(request, encode(keyset, keyset.key_of(found[-1])))

"""Rendering a body: ``fields=`` thinning, a weak ETag over the bytes, 304s, cache headers.

Endpoints build a typed schema object (so the OpenAPI document and the body cannot drift
apart), and this module turns it into the response. The ETag is a hash of the exact body and
its content type, so two callers who see different things (a key that reads unpublished texts,
``fields=``, ninjs) never share one; it is weak because equal JSON could be sent differently
encoded by a proxy. ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110 13.2.2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from ninja import Schema

from kabar.api.auth import principal
from kabar.api.errors import ApiError

JSON = "application/json"
# Anonymous reads may sit in shared caches for a minute; keyed ones only in the caller's own.
PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, max-age=0, must-revalidate"
VARY = "Accept, Authorization, X-API-Key"


def requested_fields(raw: str | None, allowed: Iterable[str]) -> set[str] | None:
    """The names in ``fields=`` (None: all); a 400 naming the unknown ones and the allowed ones.

    Exactly what ``kabar.api.params.fields_pattern`` documents: known names separated by commas, spaces allowed
    around them, nothing empty.
    """
    if raw is None or not raw.strip(" "):
        return None
    allowed = list(allowed)
    names = [n.strip(" ") for n in raw.split(",")]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        shown = ", ".join(repr(n) if not n or not n.isprintable() else n for n in unknown)
        raise ApiError(
            400,
            f"unknown field{'s' if len(unknown) > 1 else ''} in fields=: {shown} (fields are: {', '.join(allowed)})",
            code="unknown_field",
            details={"unknown": unknown, "allowed": allowed},
        )
    return {"id", *names}


def field_names(schema: type[Schema]) -> list[str]:
    return list(schema.model_fields)


def thin(item: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    return item if fields is None else {k: v for k, v in item.items() if k in fields}


def weak_etag(body: bytes, content_type: str) -> str:
    digest = hashlib.sha256(content_type.encode() + b"\n" + body).hexdigest()[:32]
    return f'W/"{digest}"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    # Weak comparison: W/"x" and "x" name the same representation.
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in wanted


def _not_modified_since(request: HttpRequest, last_modified: dt.datetime | None) -> bool:
    since = request.headers.get("If-Modified-Since")
    if last_modified is None or not since:
        return False
    parsed = parse_http_date_safe(since)
    return parsed is not None and int(last_modified.timestamp()) <= parsed


def render(
    request: HttpRequest,
    data: Any,
    *,
    content_type: str = JSON,
    last_modified: dt.datetime | None = None,
    link_next: str | None = None,
) -> HttpResponse:
    """``data`` (a dict, already thinned) as JSON, or a 304 when the caller's copy is current."""
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
    etag = weak_etag(body, content_type)
    if_none_match = request.headers.get("If-None-Match")
    fresh = _matches(if_none_match, etag) if if_none_match else _not_modified_since(request, last_modified)
    response = HttpResponse(status=304) if fresh else HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = PUBLIC_CACHE if principal(request).anonymous else PRIVATE_CACHE
    response["Vary"] = VARY
    if link_next and not fresh:
        response["Link"] = f'<{link_next}>; rel="next"'
    return response


def render_page(
    request: HttpRequest,
    items: Sequence[Schema],
    next_link: str | None,
    fields: set[str] | None,
    **extra: Any,
) -> HttpResponse:
    body = {"items": [thin(i.model_dump(mode="json"), fields) for i in items], "next": next_link, **extra}
    return render(request, body, link_next=next_link)

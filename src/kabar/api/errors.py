"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

Ninja's own errors (validation, auth, throttling), missing objects, unknown URLs under /api/,
wrong methods and unexpected exceptions all come out in this shape, as JSON, so a client
needs one error parser whatever went wrong.
"""

from __future__ import annotations

import json
import logging
import math
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError, Throttled, ValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger("kabar.api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    422: "invalid_parameters",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
# The statuses every read operation documents, besides its own successes.
READ_ERRORS = (400, 401, 403, 404, 422, 429, 503)


class ApiError(HttpError):
    """An HttpError with a machine-readable code and details."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | list[Any] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.code = code or CODES.get(status, "error")
        self.details = details


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, default=str), status=status, content_type="application/json"
    )


def error_response(
    status: int, message: str, *, code: str | None = None, details: dict[str, Any] | list[Any] | None = None
) -> HttpResponse:
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "details": details}}
    return json_response(body, status)


def _http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.message, code=exc.code, details=exc.details)
    if isinstance(exc, Throttled):
        wait = f"; retry in {int(exc.wait) + 1} s" if exc.wait is not None else ""
        throttled = error_response(429, f"rate limit exceeded{wait}")
        if exc.wait is not None:  # Ninja adds it after its own throttles, not for kabar.api.auth's
            throttled["Retry-After"] = str(math.ceil(exc.wait))
        return throttled
    response = error_response(exc.status_code, exc.message or CODES.get(exc.status_code, "error"))
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kabar API"'
    return response


def _validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
    where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors)
    details = [{k: v for k, v in e.items() if k in {"loc", "msg", "type", "ctx"}} for e in exc.errors]
    return error_response(422, f"invalid request parameters: {where}", details=details)


def _not_found(request: HttpRequest, exc: Any) -> HttpResponse:
    return error_response(404, str(exc) if isinstance(exc, ApiNotFound) else "not found")


def _unavailable(request: HttpRequest, exc: Any) -> HttpResponse:
    log.error("API: %s", exc)
    return error_response(503, "this service is not available right now")


def _server_error(request: HttpRequest, exc: Any) -> HttpResponse:
    log.exception("API: unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal error; it has been logged")


class ApiNotFound(Http404):
    """A 404 whose message is safe to show (``Http404`` messages are not shown)."""


def install(api: NinjaAPI) -> None:
    # Handlers take ``exc: Any``: Ninja types a handler's argument as "the exception or its class".
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ImproperlyConfigured, _unavailable)
    api.add_exception_handler(Exception, _server_error)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any URL under /api/ that no endpoint answers."""
    hint = (
        " (API paths end without a slash)"
        if request.path.endswith("/") and request.path != "/api/v1/"
        else ""
    )
    return error_response(404, f"no API endpoint at {request.path}{hint}")

"""The NinjaAPI behind /api/v1/: auth, rate limits, error shape, OpenAPI 3.1 and the docs page.

Two things Ninja does not do by itself, done here:

- Anonymous reads are allowed, so every read operation's OpenAPI ``security`` ends with ``{}``
  (no credentials), after the two key schemes; the one-article operation also lists the ninjs
  media type it can answer with.
- Its views answer a wrong method with a plain-text 405 and know nothing of HEAD; every view is
  wrapped so that HEAD is a GET without a body and a 405 comes in the API's error shape.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, reverse
from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema

from kabar.api import errors
from kabar.api.auth import read_auth
from kabar.api.endpoints import NINJS
from kabar.api.endpoints import router as read_router
from kabar.api.throttle import ApiRateThrottle
from kabar.site.present import absolute

DESCRIPTION = """\
Read kabar's republished articles, in every language they exist in.

* **Auth**: none for published content. A key (`Authorization: Bearer <key>` or `X-API-Key: <key>`)
  gets its own rate limit, and with the `read-unpublished` scope also sees unpublished texts.
  A key that is sent must be valid: a bad one is a 401, never anonymous.
* **Pages**: lists return `{"items": [...], "next": <url or null>}`; follow `next` (also in the
  `Link` header). The cursor is opaque and signed; articles are ordered by `(published_at, id)`,
  newest first, so a walk sees every article once even while new ones arrive.
* **fields=**: a comma-separated list of item properties to keep (`id` is always kept).
* **Caching**: every response has a weak `ETag`; send it back in `If-None-Match` for a 304.
  One article also has `Last-Modified` (and honours `If-Modified-Since`).
* **ninjs**: `GET /articles/{id}?format=ninjs3` (or `ninjs2`, or `Accept: application/ninjs+json`)
  gives one language version as IPTC ninjs, content type `application/ninjs+json`.
* **Errors** always look like `{"error": {"code": "...", "message": "...", "details": ...}}`.
* **Limits**: too many requests give 429 with `Retry-After` (seconds).
"""


WEBHOOKS_PREFIX = "/api/v1/webhooks/"
INDEXED = ("articles", "sections", "authors", "outlets", "stories", "search")
RESPONSE_HEADERS: dict[Any, dict[str, Any]] = {
    200: {
        "ETag": {
            "description": "Weak tag of this body; send it back in If-None-Match for a 304.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request counts.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


class KabarAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        for path, operations in schema.get("paths", {}).items():
            if path.startswith(WEBHOOKS_PREFIX):
                continue  # the webhooks router documents itself, and needs a key
            for operation in operations.values():
                security = operation.get("security")
                if security is not None:
                    operation["security"] = [*security, {}]  # anonymous reads
                for status, headers in RESPONSE_HEADERS.items():
                    if status in operation.get("responses", {}):
                        operation["responses"][status]["headers"] = headers
                ok = operation.get("responses", {}).get(200, operation.get("responses", {}).get("200"))
                if operation.get("operationId", "").endswith("get_article") and ok:
                    ok["content"][NINJS] = {
                        "schema": {"type": "object", "description": "An IPTC ninjs 2.2 or 3.1 news item."}
                    }
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                # Ninja's root view is a 404 that only serves to reverse the API's prefix.
                view = index if url.name == "api-root" else url.callback
                url.callback = _api_view(view)
        return urls


def index(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """/api/v1/: where the document, the docs and the lists are."""
    links = {
        "openapi": absolute(reverse("api-v1:openapi-json")),
        "docs": absolute(reverse("api-v1:openapi-view")),
        **{name: absolute(reverse(f"api-v1:{name}")) for name in INDEXED},
    }
    return errors.json_response({"title": api.title, "version": api.version, "links": links})


def versions(request: HttpRequest) -> HttpResponse:
    """/api/: the versions there are."""
    return errors.json_response({"versions": {"v1": absolute(reverse("api-v1:api-root"))}})


def _api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = view(request, *args, **kwargs)
        if head:
            request.method = "HEAD"
            response.content = b""
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "GET")
            response = errors.error_response(
                405,
                f"{request.method} is not allowed here (allowed: {allowed})",
                details={"allowed": allowed},
            )
            response["Allow"] = allowed
        return response

    return wrapped


api = KabarAPI(
    title="kabar API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=read_auth(),
    throttle=[ApiRateThrottle()],
    # The docs page uses Ninja's own Swagger UI files (ninja is an installed app): no CDN, and no
    # inline script or style, so it runs under the site's Content-Security-Policy.
    docs=Swagger(settings={"validatorUrl": None, "tryItOutEnabled": True}),
)
errors.install(api)
api.add_router("/", read_router)


def mount_webhooks() -> None:
    """The webhooks helper's router (kabar.webhooks.api.router) under /api/v1/webhooks/, when it exists."""
    if importlib.util.find_spec("kabar.webhooks.api") is None:
        return
    webhooks = importlib.import_module("kabar.webhooks.api")
    api.add_router("/webhooks/", webhooks.router, tags=["webhooks"])


mount_webhooks()

"""Property-based contract test: schemathesis generates requests from /api/v1/openapi.json.

Every operation is called in-process through Django's WSGI application (no server, no network)
with bounded examples, valid and invalid; every response must be no server error and match
the status codes, content types, headers and schemas the document declares.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Loaded when the module is imported: the OpenAPI document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def test_the_document_is_openapi_3_1_with_every_endpoint():
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.1")
    paths = set(raw["paths"])
    assert {
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/sections",
        "/api/v1/authors",
        "/api/v1/outlets",
        "/api/v1/stories",
        "/api/v1/stories/{story_id}",
        "/api/v1/search",
    } <= paths
    article = raw["paths"]["/api/v1/articles/{article_id}"]["get"]
    assert {"application/json", "application/ninjs+json"} <= set(article["responses"]["200"]["content"])
    # Reads are open to anonymous callers, and say so; both key schemes are declared.
    assert article["security"][-1] == {}
    assert set(raw["components"]["securitySchemes"]) == {"ApiKeyBearer", "ApiKeyHeader"}
    for status in ("400", "401", "404", "422", "429"):
        assert status in article["responses"]
    assert article["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert article["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    # The webhooks router (when mounted) needs a key: no anonymous alternative there.
    for path, operations in raw["paths"].items():
        if path.startswith("/api/v1/webhooks/"):
            assert all({} not in op["security"] for op in operations.values()), path


@pytest.fixture
def unlimited():
    # Hundreds of generated requests from one address: rate limits would answer most of them.
    with override_settings(API_RATE_ANONYMOUS=None, API_RATE_KEY=None):
        yield


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    database=None,
)
def test_every_response_conforms_to_the_document(case, newsroom, unlimited):
    case.call_and_validate(excluded_checks=context_dependent(case))


def context_dependent(case) -> list:
    """Checks that cannot hold for this request by design, and only those.

    "A schema-valid request is accepted" cannot hold for a made-up cursor (cursors are signed
    tokens the server issued: any other string is a 400 however well-formed), nor for fields=
    together with a ninjs format (fields= thins kabar's JSON, not ninjs: a 400 that says so).
    """
    query = case.query or {}
    ninjs_fields = query.get("fields") and str(query.get("format", "")).startswith("ninjs")
    return [positive_data_acceptance] if query.get("cursor") or ninjs_fields else []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/articles", {}),
        ("/api/v1/articles", {"language": "en", "fields": "texts, story"}),
        ("/api/v1/articles/{article_id}", {}),
        ("/api/v1/articles/{article_id}", {"fields": "media,texts"}),
        ("/api/v1/stories", {}),
        ("/api/v1/stories/{story_id}", {}),
        ("/api/v1/sections", {}),
        ("/api/v1/authors", {}),
        ("/api/v1/outlets", {}),
        ("/api/v1/search", {"q": "duong sat"}),
    ],
)
def test_real_objects_conform_to_the_document(newsroom, unlimited, path, query):
    """Generated ids rarely hit a row; these cases do, so full bodies are checked against the schemas."""
    operation = schema[path]["GET"]
    path_parameters = {"article_id": newsroom.railway.pk, "story_id": newsroom.story.pk}
    wanted = {k: v for k, v in path_parameters.items() if "{" + k + "}" in path}
    case = operation.Case(path_parameters=wanted, query=query)
    response = case.call_and_validate()
    assert response.status_code == 200
    assert response.json()["items"] if "items" in response.json() else response.json()["id"]

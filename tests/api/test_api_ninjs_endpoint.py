"""The one-article endpoint as ninjs: ?format=ninjs2|ninjs3 or Accept: application/ninjs+json.

The mapping itself is tested in test_ninjs_mapping.py; here: negotiation, content type, the
language version chosen, visibility, caching, and that what goes over the wire is valid ninjs.
"""

from __future__ import annotations

import pytest
from api_support import API
from ninjs_support import compiled_messages, validate  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

NINJS = "application/ninjs+json"


@pytest.fixture
def url(newsroom) -> str:
    return f"{API}/articles/{newsroom.railway.pk}"


@pytest.mark.parametrize(("query", "version"), [("format=ninjs3", 3), ("format=ninjs2", 2)])
def test_format_gives_valid_ninjs_of_that_version(client, url, query, version, compiled_messages):  # noqa: F811
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == NINJS
    document = response.json()
    validate(document, version)
    assert document["language"] == "vi"  # default: the original


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        (NINJS, 3),
        (f"{NINJS}; version=2", 2),
        (f'{NINJS};version="3.1"', 3),
        (f"text/html, {NINJS};q=0.9", 3),
    ],
)
def test_accept_header_asks_for_ninjs(client, url, accept, version):
    response = client.get(url, HTTP_ACCEPT=accept)
    assert response["Content-Type"] == NINJS
    validate(response.json(), version)


def test_format_json_wins_over_accept(client, url):
    response = client.get(f"{url}?format=json", HTTP_ACCEPT=NINJS)
    assert response["Content-Type"] == "application/json"
    assert "texts" in response.json()


def test_language_picks_the_version_and_unpublished_ones_stay_hidden(client, url, unpublished_key):
    english = client.get(f"{url}?format=ninjs3&language=en").json()
    assert english["language"] == "en"
    validate(english, 3)
    assert client.get(f"{url}?format=ninjs3&language=id").status_code == 404  # unpublished
    withheld = client.get(f"{url}?format=ninjs3&language=id", HTTP_X_API_KEY=unpublished_key)
    assert withheld.status_code == 200 and withheld.json()["pubStatus"] == "withheld"  # ninjs 3 spelling
    validate(withheld.json(), 3)
    missing = client.get(f"{url}?format=ninjs3&language=fr")
    assert missing.status_code == 404 and "no fr version" in missing.json()["error"]["message"]


def test_fields_with_ninjs_is_a_clear_400(client, url):
    response = client.get(f"{url}?format=ninjs3&fields=texts")
    assert response.status_code == 400 and "ninjs" in response.json()["error"]["message"]


def test_ninjs_has_its_own_etag_and_304(client, url):
    ninjs = client.get(f"{url}?format=ninjs3")
    assert ninjs["ETag"] != client.get(url)["ETag"]
    assert client.get(f"{url}?format=ninjs3", HTTP_IF_NONE_MATCH=ninjs["ETag"]).status_code == 304
    assert "Accept" in ninjs["Vary"]


def test_hidden_articles_are_404_in_ninjs_too(client, newsroom):
    assert client.get(f"{API}/articles/{newsroom.hidden.pk}?format=ninjs2").status_code == 404

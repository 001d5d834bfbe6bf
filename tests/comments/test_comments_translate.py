"""The "Translate" link: through the site's MT router, made once and kept, labelled; no route said so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import pytest
from bs4 import BeautifulSoup
from comments_support import approved_commenter

from kabar.comments import translate as comment_translate
from kabar.comments.models import Comment, CommentTranslation
from kabar.core.translate.mt.routing import Router

pytestmark = pytest.mark.django_db


class UpperEngine:
    """vi→en only: upper-cases what it gets, and counts the calls."""

    name: ClassVar[str] = "upper"
    max_batch = 16
    honours_glossary = False
    model_version = "1"

    def __init__(self) -> None:
        self.calls = 0

    def pairs(self) -> set[tuple[str, str]]:
        return {("vi", "en")}

    def translate(
        self, segments: Sequence[str], source: str, target: str, glossary: Mapping[str, str] | None = None
    ) -> list[str]:
        self.calls += 1
        return [s.upper() for s in segments]


@pytest.fixture
def engine(monkeypatch) -> UpperEngine:
    found = UpperEngine()
    router = Router({"upper": found}, {"*": ["upper"]})
    monkeypatch.setattr(comment_translate, "get_router", lambda: router)
    return found


@pytest.fixture
def vietnamese(article) -> Comment:
    commenter = approved_commenter(article=article, count=0)
    return Comment.objects.create(
        article=article,
        language="vi",
        commenter=commenter,
        name="Minh",
        body="Hay quá <b>thật</b> & đúng",
        status="approved",
    )


def test_translate_shows_a_labelled_machine_translation_made_once(client, engine, vietnamese):
    url = f"/en/comments/{vietnamese.pk}/translate/"
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    assert "Machine-translated from Vietnamese." in soup.find(class_="notice-mt").get_text()
    assert soup.find(class_="comment-translated").get_text(strip=True) == "HAY QUÁ <B>THẬT</B> & ĐÚNG"
    assert not soup.find(class_="comment-translated").find("b")  # text, never markup
    client.get(url)
    assert engine.calls == 1
    assert CommentTranslation.objects.get(comment=vietnamese, language="en").route.startswith(
        "vi→en via upper"
    )


def test_a_pair_no_engine_translates_is_said_in_words(client, engine, vietnamese):
    response = client.get(f"/id/comments/{vietnamese.pk}/translate/")
    assert response.status_code == 200
    assert "Belum ada mesin penerjemah di situs ini" in response.content.decode()
    assert not CommentTranslation.objects.exists()


def test_the_same_language_goes_back_to_the_comment(client, engine, vietnamese):
    response = client.get(f"/vi/comments/{vietnamese.pk}/translate/")
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{vietnamese.pk}")

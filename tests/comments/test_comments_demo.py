"""`kabar demo` pre-loads comments in vi, en and id, one of them held in the moderation queue."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from kabar.comments.demo import load_demo_comments
from kabar.comments.models import Comment
from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer

pytestmark = pytest.mark.django_db


def test_the_demo_shows_comments_and_holds_one(client, settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    with OutletServer() as server:
        result = load_demo(server)
    assert result.comments == 7
    assert set(Comment.objects.values_list("language", flat=True)) == {"vi", "en", "id"}
    held = Comment.objects.get(status="held")
    assert set(held.reasons) == {"new_commenter", "link"}
    lantern = Comment.objects.filter(status="approved", language="vi").first().article
    page = BeautifulSoup(
        client.get(lantern.texts.get(language="vi").get_absolute_url()).content, "html.parser"
    )
    assert page.find(id="comments").h2.get_text() == "Bình luận (4)"
    assert page.find("details").summary.get_text().strip() == "2 bình luận bằng ngôn ngữ khác"
    assert page.find(class_="comment-write")  # open, though the sample articles are old
    assert load_demo_comments() == 0  # a second load adds nothing

"""Republished copies (issue 12, item 6): stored as the republisher's article, linked to the original.

The seed captures in ../shared/seeds are Indonesian pages of a Vietnamese newspaper's articles
(their "Sumber:" line names nhandan.vn); ingested for the republishing site, each is kept at its
own address with its provenance, joins its original (whichever comes first) and its story, and
the reader page credits both outlets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from kabar.core.extract.provenance import Provenance
from kabar.core.types import Extracted
from kabar.ingest.service import ingest
from kabar.ingest.store import store_article
from kabar.news.models import Article, Outlet
from kabar.stories.models import StoryMembership
from kabar.stories.services import assign_article, split_story

pytestmark = pytest.mark.django_db

ORIGINAL_PARAGRAPHS = [
    "Chuyến thăm là dấu mốc lịch sử mới trong quan hệ hai nước, mở ra giai đoạn hợp tác thực chất hơn.",
    "Hai bên nhất trí thúc đẩy trao đổi đoàn các cấp và mở rộng hợp tác trong nhiều lĩnh vực.",
]


def page_of(article: Article) -> str:
    text = article.original
    with translation.override(text.language):
        return text.get_absolute_url()


class DistinctEmbedder:
    """Every text its own direction: the relate stage never joins two articles by their words."""

    name = "test-distinct"
    dim = 64

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, int(hashlib.sha256(text.encode()).hexdigest(), 16) % self.dim] = 1.0
        return rows


def seed_path(shared_dir: Path, prefix: str = "001") -> Path:
    # 001 has its headline; 000 starts mid-article (a capture without a title is never published).
    path = next((shared_dir / "seeds").glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {prefix} not in {shared_dir}")
    return path


def sumber_url(path: Path) -> str:
    return next(
        line.split(":", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("Sumber:")
    )


@pytest.fixture(autouse=True)
def stages_in_process(settings):
    settings.INGEST = {**settings.INGEST, "workers": 0}  # no worker pool to start for two small pages


@pytest.fixture
def vietnam_vn():
    return Outlet.objects.create(
        name="Vietnam.vn", slug="vietnam-vn", home_url="https://www.vietnam.vn/", language="id"
    )


@pytest.fixture
def nhan_dan():
    return Outlet.objects.create(
        name="Báo Nhân Dân", slug="bao-nhan-dan", home_url="https://nhandan.vn/", language="vi"
    )


def store_original(outlet: Outlet, url: str) -> Article:
    doc = Extracted(
        url=url,
        source_url=url,
        title="Dấu mốc lịch sử mới trong quan hệ Việt Nam - Triều Tiên",
        blocks=[{"type": "paragraph", "text": p} for p in ORIGINAL_PARAGRAPHS],
        language="vi",
        published=dt.datetime(2025, 10, 9, 7, 30, tzinfo=dt.UTC),
    )
    return store_article(doc, outlet=outlet).article


def ingest_seed(path: Path, outlet: Outlet) -> Article:
    summary = ingest(str(path), outlet=outlet, kind="capture")
    assert summary.new == 1, summary.as_dict()
    return Article.objects.get(outlet=outlet)


def test_a_seed_capture_is_kept_as_a_republication_and_joins_its_original(shared_dir, vietnam_vn, nhan_dan):
    path = seed_path(shared_dir)
    original = store_original(nhan_dan, sumber_url(path))
    copy = ingest_seed(path, vietnam_vn)
    # Stored at its own address, not refused as another outlet's article.
    assert copy.source_url == path.as_uri() and copy.source_language == "id"
    assert (copy.original_url, copy.provenance) == (original.source_url, "source-line")
    # The capture's outlet line spells the original outlet's name its own way: kept as written.
    assert copy.republished_from == original and copy.original_outlet == "Báo Nhân dân"
    assert list(original.republications.all()) == [copy]
    # The two are one story.
    embedder = DistinctEmbedder()
    assign_article(original, embedder=embedder)
    joined = assign_article(copy, embedder=embedder)
    assert joined.story_id == original.story_membership.story_id and "republication" in joined.reason


def test_the_original_stored_later_adopts_its_republication(client, shared_dir, vietnam_vn, nhan_dan):
    path = seed_path(shared_dir)
    copy = ingest_seed(path, vietnam_vn)
    assert copy.republished_from is None and copy.original_url == sumber_url(path)
    # Before the original is here, the Indonesian page credits both, linking the original's address;
    # the copy's own address (a local file) is never shown to readers.
    page = client.get(page_of(copy)).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    credit = soup.find(class_="republication")
    assert credit.get_text(" ", strip=True).startswith(
        "Pertama terbit di Báo Nhân dân — diterbitkan ulang oleh Vietnam.vn"
    )
    assert credit.find("a")["href"] == sumber_url(path) and "file://" not in page
    embedder = DistinctEmbedder()
    alone = assign_article(copy, embedder=embedder)
    original = store_original(nhan_dan, sumber_url(path))
    copy.refresh_from_db()
    assert copy.republished_from == original
    # The original joins the story its copy started.
    assert assign_article(original, embedder=embedder).story_id == alone.story_id


def test_an_editors_story_decision_is_kept(shared_dir, vietnam_vn, nhan_dan):
    path = seed_path(shared_dir)
    original = store_original(nhan_dan, sumber_url(path))
    copy = ingest_seed(path, vietnam_vn)
    embedder = DistinctEmbedder()
    assign_article(original, embedder=embedder)
    own = split_story([copy])  # an editor put the copy in a story of its own
    assert assign_article(copy, embedder=embedder).action == "kept: editor"
    assert StoryMembership.objects.get(article=copy).story_id == own.pk


def test_the_outlets_own_capture_is_no_republication(shared_dir, nhan_dan):
    path = seed_path(shared_dir)
    article = ingest_seed(path, nhan_dan)  # the source line names the outlet's own site
    assert article.source_url == sumber_url(path) and not article.is_republication


def _store_copy(outlet: Outlet, provenance: Provenance, language: str = "en") -> Article:
    url = provenance.page_url
    doc = Extracted(
        url=url,
        source_url=provenance.original_url or url,
        title="Rice harvest in the Mekong Delta",
        blocks=[
            {"type": "paragraph", "text": "Farmers in the delta are harvesting a new rice crop this week."}
        ],
        language=language,
        published=dt.datetime(2025, 10, 10, 9, 0, tzinfo=dt.UTC),
        provenance=provenance,
    )
    return store_article(doc, outlet=outlet).article


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Originally published by Báo Nhân Dân"),
        ("vi", "Đăng lần đầu trên Báo Nhân Dân"),
        ("id", "Pertama terbit di Báo Nhân Dân"),
    ],
)
def test_the_reader_page_credits_both_outlets(client, nhan_dan, language, expected):
    original = store_original(nhan_dan, "https://nhandan.vn/lua-post1.html")
    post = Outlet.objects.create(
        name="Red River Post", slug="rrp", home_url="https://rrp.example/", language=language
    )
    copy = _store_copy(
        post,
        Provenance("source-line", original_url=original.source_url, page_url="https://rrp.example/rice"),
        language,
    )
    page = BeautifulSoup(client.get(page_of(copy)).content, "html.parser")
    credit = page.find(class_="republication")
    assert credit is not None and credit.get_text(" ", strip=True).startswith(expected)
    links = [a["href"] for a in credit.find_all("a")]
    assert links == [page_of(original), "https://rrp.example/rice"]
    news = next(
        data
        for script in page.find_all("script", type="application/ld+json")
        for data in [json.loads(script.string)]
        if data.get("@type") == "NewsArticle"
    )
    assert news["isBasedOn"] == original.source_url
    # The original's page names who republished it.
    original_page = BeautifulSoup(client.get(page_of(original)).content, "html.parser")
    assert "Red River Post" in original_page.find(class_="republished-by").get_text()


def test_a_credit_line_naming_an_outlet_kabar_does_not_have(client):
    post = Outlet.objects.create(
        name="Red River Post", slug="rrp", home_url="https://rrp.example/", language="en"
    )
    copy = _store_copy(
        post, Provenance("theo-line", original_outlet="Reuters", page_url="https://rrp.example/r")
    )
    assert (copy.original_outlet, copy.provenance, copy.source_url) == (
        "Reuters",
        "theo-line",
        "https://rrp.example/r",
    )
    page = BeautifulSoup(client.get(page_of(copy)).content, "html.parser")
    text = page.find(class_="republication").get_text(" ", strip=True)
    assert text.startswith("Originally published by Reuters — republished by Red River Post")

"""The demo goes through the real ingestion path: RSS over HTTP on loopback, fetch, extract, store."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from kabar.demo import OUTLET_DIR
from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer
from kabar.ingest.models import IngestFailure
from kabar.news.models import Article, ArticleRevision, ArticleText, Author, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}


@pytest.fixture
def outlet_server():
    with OutletServer() as server:
        yield server


def test_demo_ingests_every_article_with_its_anatomy(outlet_server, fast_fetch):
    result = load_demo(outlet_server)
    assert result.summary.failed == []
    pages = list(OUTLET_DIR.glob("*/*.html"))
    articles = [p for p in pages if 'property="og:type" content="article"' in p.read_text(encoding="utf-8")]
    assert result.summary.new == len(articles) >= 12
    assert Article.objects.count() == len(articles)
    assert Section.objects.filter(articles__isnull=False).distinct().count() >= 4
    assert Author.objects.filter(articles__isnull=False).distinct().count() >= 3
    for article in Article.objects.prefetch_related("texts", "media", "authors"):
        original = article.original
        assert article.source_language == "vi" and original.language == "vi"
        assert article.source_url.startswith(outlet_server.url)
        assert article.section is not None and article.authors.exists()
        assert 1 <= article.media.count() <= 2
        assert all(m.image and m.credit for m in article.media.all()), "images stored locally, with credits"
        texts = [b["text"] for b in original.blocks if b["type"] == "paragraph"]
        assert len(texts) == len(set(texts)), "no paragraph twice"
        body = " ".join(texts)
        for trap in ("Bình luận", "No data", "Tin liên quan", "Cùng chuyên mục", "Xem thêm:", ".jpg"):
            assert trap not in body
        # authors' names as people write them, not as an all-caps signature
        assert all(a.name != a.name.upper() for a in article.authors.all())
    assert result.translations == len(list((OUTLET_DIR / "translations").glob("*.json")))
    assert ArticleText.objects.filter(status="human", language="en").count() >= 5
    assert ArticleText.objects.filter(status="human", language="id").count() >= 4


def test_ingesting_the_same_feed_twice_creates_nothing(outlet_server, fast_fetch):
    first = load_demo(outlet_server)
    before = (Article.objects.count(), ArticleText.objects.count(), ArticleRevision.objects.count())
    again = load_demo(outlet_server)
    assert again.summary.new == 0 and again.summary.updated == 0
    assert again.summary.unchanged == first.summary.new
    assert (Article.objects.count(), ArticleText.objects.count(), ArticleRevision.objects.count()) == before


def test_a_changed_paragraph_at_the_outlet_makes_a_revision_and_stale_translations(tmp_path, fast_fetch):
    import shutil

    root = tmp_path / "outlet"
    shutil.copytree(OUTLET_DIR, root)
    slug = sorted(p.stem.rsplit(".", 1)[0] for p in (root / "translations").glob("*.en.json"))[0]
    page = next(root.glob(f"*/{slug}.html"))
    with OutletServer(root=root) as server:
        load_demo(server, root=root)
        article = Article.objects.get(source_url__contains=f"/{slug}")
        assert article.texts.get(language="en").stale is False
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "lxml")
        first_paragraph = soup.select_one("div.detail-content p").get_text()
        changed = first_paragraph.rstrip(".") + ", theo ban tổ chức."
        page.write_text(html.replace(first_paragraph, changed), encoding="utf-8")
        result = load_demo(server, root=root)
    assert result.summary.updated == 1 and result.summary.new == 0
    article.refresh_from_db()
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert any(b.get("text") == changed for b in article.original.blocks)
    assert article.texts.get(language="en").stale is True, "the human translation awaits an editor"
    assert result.translations == 0, "translations already loaded are left alone"
    assert IngestFailure.objects.count() == 0


def test_kabar_demo_command_loads_and_prints_admin_credentials(capsys, fast_fetch):
    call_command("demo", no_serve=True, outlet_port=0)
    out = capsys.readouterr().out
    assert re.search(r"user: admin\s+password: \S{8,}", out)
    assert "0 failed" in out

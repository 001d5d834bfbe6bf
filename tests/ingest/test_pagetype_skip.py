"""Ingesting the sample outlet's sitemap stores its articles and skips its home page, with the reason."""

import pytest

from kabar.demo.server import OutletServer
from kabar.ingest.models import IngestFailure
from kabar.ingest.service import ingest
from kabar.news.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    settings.INGEST = {**settings.INGEST, "workers": 0}


def test_the_sitemap_adds_no_index_page(fast_fetch):
    with OutletServer() as server:
        summary = ingest(f"{server.url}/sitemap.xml", kind="sitemap", allow_private=True)
        home = f"{server.url}/"
    assert summary.failed == []
    assert [url for url, _ in summary.skipped] == [home]
    assert summary.skipped[0][1].startswith("not an article: home page")
    assert summary.new == Article.objects.count() > 10
    assert not Article.objects.filter(source_url__in=[home, f"{home}index.html"]).exists()
    assert all(a.original.title != "Báo Sông Hồng - Tin tức Hồng Châu" for a in Article.objects.all())
    recorded = IngestFailure.objects.get(url=home)
    assert recorded.stage == "pagetype" and recorded.reason == summary.skipped[0][1]
    assert "1 skipped (not articles)" in summary.line()
    assert summary.as_dict()["skipped"] == [{"url": home, "reason": recorded.reason}]

"""Every page of the sample outlet's demo carries JSON-LD that meets the schema.

The demo goes through real ingestion (stored images with their sizes, bylines, sections,
partners in English and Indonesian), so its pages are the closest thing to production here.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from test_structured_data import assert_valid_page, by_type, json_ld

from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer
from kabar.news.models import ArticleText

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_every_demo_article_page_has_valid_structured_data(client, settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    with OutletServer() as server:
        result = load_demo(server)
    assert result.summary.failed == []
    texts = ArticleText.objects.filter(is_published=True).select_related("article__outlet")
    assert texts.count() >= 12
    with_pictures = 0
    for text in texts:
        with translation.override(text.language):
            path = text.get_absolute_url()
        blocks = json_ld(client.get(path))
        assert_valid_page(blocks)
        news = by_type(blocks)["NewsArticle"]
        assert news["isBasedOn"] == text.article.source_url
        assert news["sourceOrganization"]["name"] == text.article.outlet.name
        assert all(a["@type"] == "Person" for a in news["author"]), path
        assert ("translationOfWork" in news) == (text.status != ArticleText.Status.ORIGINAL), path
        # Stored pictures know their size: every ImageObject has one.
        for image in news.get("image", []):
            assert image["width"] > 0 and image["height"] > 0, path
        with_pictures += "image" in news
    assert with_pictures >= 12

"""Fixtures for the api tests: a small newsroom, API keys, and clean rate-limit counters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from api_support import WHEN, make_article, make_author, make_media, make_outlet, make_section, make_text
from django.core.cache import cache

from kabar.api.models import ApiKey, Scope
from kabar.news.models import Article, ArticleText, Story
from kabar.stories.models import StoryMembership


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Newsroom:
    railway: Article  # vi original + en (machine, QA passed) + id (unpublished machine)
    harbour: Article  # vi original only, other outlet and section
    hidden: Article  # only an unpublished text
    story: Story  # railway + hidden
    railway_en: ArticleText
    railway_id: ArticleText


@pytest.fixture
def newsroom(db) -> Newsroom:
    tuoitre = make_outlet(name="Tuổi Trẻ", slug="tuoi-tre", language="vi", licence="CC BY 4.0")
    vnexpress = make_outlet(name="VnExpress", slug="vnexpress", language="vi")
    transport = make_section("giao-thong", {"vi": "Giao thông", "en": "Transport", "id": "Transportasi"}, 1)
    business = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, 2)
    hanh = make_author("Hạnh Nguyễn", outlet=tuoitre, slug="hanh-nguyen")
    railway = make_article(outlet=tuoitre, section=transport, authors=[hanh], published_at=WHEN)
    make_text(
        railway, "vi", title="Đường sắt tốc độ cao Bắc - Nam", lead="Tuyến dài 1.541 km.", slug="duong-sat"
    )
    railway_en = make_text(
        railway,
        "en",
        title="North-South high-speed railway approved",
        slug="railway-approved",
        engine="ctranslate2",
        model_version="opus-mt-vi-en",
        qa_passed=True,
    )
    railway_id = make_text(
        railway, "id", title="Kereta cepat disetujui", slug="kereta-cepat", is_published=False
    )
    make_media(railway, url="https://img.example/railway.jpg", width=1200, height=800, credit="TTXVN")
    harbour = make_article(outlet=vnexpress, section=business, published_at=WHEN - dt.timedelta(days=1))
    make_text(harbour, "vi", title="Cảng biển Quy Nhơn đón tàu lớn", slug="cang-bien")
    hidden = make_article(outlet=tuoitre, section=transport, published_at=WHEN + dt.timedelta(hours=1))
    make_text(hidden, "vi", title="Bài chưa đăng", slug="chua-dang", is_published=False)
    story = Story.objects.create(labels={"vi": "Đường sắt"}, first_seen=WHEN, last_seen=WHEN)
    StoryMembership.objects.create(article=railway, story=story)
    StoryMembership.objects.create(article=hidden, story=story)
    return Newsroom(railway, harbour, hidden, story, railway_en, railway_id)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("partner", password="not-used-here")


@pytest.fixture
def plain_key(owner) -> str:
    return ApiKey.issue(name="Plain partner", owner=owner)[1]


@pytest.fixture
def unpublished_key(owner) -> str:
    return ApiKey.issue(name="Editor app", owner=owner, scopes=[Scope.READ_UNPUBLISHED])[1]

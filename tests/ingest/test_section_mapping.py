"""Sections under editors' control (issue 12, item 2).

An outlet's section label files an article under the section an editor mapped it to (label or
URL path prefix, case and diacritics folded), else under an existing section named exactly so,
else under the built-in "unsorted" section that readers never see; the admin lists the
unmapped labels and maps one in one step, re-filing its articles. Ingestion never creates a section.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kabar.core.text.section_labels import fold_label, folded_path, match_section
from kabar.core.types import Extracted
from kabar.ingest.store import store_article
from kabar.news.models import UNSORTED_SECTION_SLUG, Article, Outlet, Section, SectionMapping
from kabar.news.section_map import unmapped_labels
from kabar.site.context import section_links

EN = {"accept-language": "en"}  # the admin speaks the editor's language; these checks read English
PARAGRAPHS = [
    "Sáng nay, thành phố khai trương tuyến xe buýt điện đầu tiên nối trung tâm với sân bay quốc tế.",
    "Tuyến dài 28 km, có 19 điểm dừng và chạy từ 5 giờ sáng đến 23 giờ mỗi ngày trong tuần.",
]


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Kinh tế", "kinh te"),
        ("KINH TẾ", "kinh te"),
        ("  kinh   te ", "kinh te"),
        ("Đời sống »", "doi song"),
        ("Ekonomi & Bisnis", "ekonomi & bisnis"),
        ("/Kinh-Te", "/kinh-te/"),
        ("/kinh-te/", "/kinh-te/"),
        ("/", ""),
    ],
)
def test_labels_fold_case_diacritics_and_spaces(label, key):
    assert fold_label(label) == key


def test_a_label_mapping_wins_over_a_path_and_the_longest_path_wins():
    mappings = {"the thao": 1, "/the-thao/": 2, "/the-thao/bong-da/": 3}
    assert match_section("THỂ THAO", "https://x.vn/kinh-te/a.html", mappings) == 1
    assert match_section("Sport", "https://x.vn/the-thao/bong-da/a.html", mappings) == 3
    assert match_section("", "https://x.vn/The-Thao/quan-vot/a.html", mappings) == 2
    assert match_section("Sport", "https://x.vn/the-thaox/a.html", mappings) is None
    assert folded_path("https://x.vn/kinh-t%E1%BA%BF/a") == "/kinh-te/a/"


@pytest.fixture
def outlet(db):
    return Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example/", language="vi"
    )


@pytest.fixture
def economy(db):
    return Section.objects.create(slug="kinh-te", names={"vi": "Kinh tế", "en": "Business"})


def doc(n: int, section: str, path: str = "tin") -> Extracted:
    url = f"https://thu.example/{path}/bai-{n}.html"
    return Extracted(
        url=url,
        source_url=url,
        title=f"Tuyến xe buýt điện số {n} ra sân bay",
        blocks=[{"type": "paragraph", "text": f"{p} Bài {n}."} for p in PARAGRAPHS],
        section=section,
        language="vi",
        published=dt.datetime(2025, 10, 12, 8, n, tzinfo=dt.UTC),
    )


@pytest.mark.django_db
def test_the_migration_made_the_unsorted_section():
    assert Section.objects.filter(slug=UNSORTED_SECTION_SLUG).exists()
    assert not Section.objects.public().filter(slug=UNSORTED_SECTION_SLUG).exists()


@pytest.mark.django_db
def test_an_unknown_label_files_the_article_unsorted_and_creates_no_section(outlet, economy):
    sections_before = Section.objects.count()
    article = store_article(doc(1, "Tech"), outlet=outlet).article
    assert article.section is not None and article.section.slug == UNSORTED_SECTION_SLUG
    assert article.section_label == "Tech" and article.public_section is None
    assert Section.objects.count() == sections_before
    assert "unsorted" not in [link.slug for link in section_links("vi")]
    # An exact name of an existing section is matched without a mapping (the demo relies on it).
    assert store_article(doc(2, "Kinh tế"), outlet=outlet).article.section == economy
    # No label, no mapped path: no section, as before.
    assert store_article(doc(3, ""), outlet=outlet).article.section is None


@pytest.mark.django_db
def test_an_editors_mapping_matches_folded_labels_and_path_prefixes(outlet, economy):
    SectionMapping.objects.create(outlet=outlet, label="ĐỜI SỐNG KINH DOANH", section=economy)
    SectionMapping.objects.create(outlet=outlet, label="/kinh-doanh/", section=economy)
    assert store_article(doc(1, "Đời sống  kinh doanh"), outlet=outlet).article.section == economy
    assert store_article(doc(2, "Thị trường", path="kinh-doanh"), outlet=outlet).article.section == economy
    other = Outlet.objects.create(name="Khác", slug="khac", home_url="https://khac.example/", language="vi")
    # Another outlet's mapping is not this one's.
    assert store_article(doc(3, "Đời sống kinh doanh"), outlet=other).article.section.is_unsorted


@pytest.mark.django_db
def test_mapping_a_label_refiles_only_the_unsorted_articles_that_carried_it(outlet, economy):
    tech = [
        store_article(doc(n, label), outlet=outlet).article for n, label in enumerate(["Tech", "TECH", "Xe"])
    ]
    assert [(u.key, u.articles) for u in unmapped_labels()] == [("tech", 2), ("xe", 1)]
    SectionMapping.objects.create(outlet=outlet, label="tech", section=economy)
    refreshed = [Article.objects.get(pk=a.pk).section for a in tech]
    assert refreshed[:2] == [economy, economy] and refreshed[2].is_unsorted
    assert [(u.label, u.articles) for u in unmapped_labels()] == [("Xe", 1)]
    # A path covers the outlet's unsorted articles under it, and those whose page named no section.
    bare = store_article(doc(7, "", path="oto"), outlet=outlet).article
    SectionMapping.objects.create(outlet=outlet, label="/tin/", section=economy)
    assert Article.objects.get(pk=tech[2].pk).section == economy
    assert Article.objects.get(pk=bare.pk).section is None  # /oto/ is not under /tin/
    SectionMapping.objects.create(outlet=outlet, label="/oto", section=economy)
    assert Article.objects.get(pk=bare.pk).section == economy


@pytest.mark.django_db
def test_the_admin_lists_unmapped_labels_and_maps_one_in_one_step(admin_client, outlet, economy):
    for n in range(3):
        store_article(doc(n, "Công nghệ số"), outlet=outlet)
    url = reverse("admin:news_sectionmapping_changelist")
    page = admin_client.get(url, headers=EN).content.decode()
    assert "Unmapped section labels (3 articles)" in page and "Công nghệ số" in page
    answer = admin_client.post(
        reverse("admin:news_sectionmapping_map"),
        {"prefix": "u0", "u0-outlet": outlet.pk, "u0-label": "Công nghệ số", "u0-section": economy.pk},
        follow=True,
        headers=EN,
    )
    assert "3 article(s) re-filed" in answer.content.decode()
    assert SectionMapping.objects.get().key == "cong nghe so"
    assert Article.objects.filter(section=economy).count() == 3
    assert "Unmapped section labels (0 articles)" in admin_client.get(url, headers=EN).content.decode()
    # "unsorted" is not offered as a target, and the outlet page edits the mappings inline.
    unsorted = Section.objects.unsorted()
    assert (
        admin_client.post(
            reverse("admin:news_sectionmapping_map"),
            {"prefix": "u0", "u0-outlet": outlet.pk, "u0-label": "X", "u0-section": unsorted.pk},
            follow=True,
            headers=EN,
        ).status_code
        == 200
    )
    assert not SectionMapping.objects.filter(section=unsorted).exists()
    outlet_page = admin_client.get(
        reverse("admin:news_outlet_change", args=[outlet.pk]), headers=EN
    ).content.decode()
    assert "section_mappings-0-label" in outlet_page


@pytest.mark.django_db
def test_readers_never_see_unsorted_as_a_section(client, outlet):
    article = store_article(doc(1, "Tech"), outlet=outlet).article
    text = article.original
    assert client.get("/vi/unsorted/").status_code == 404
    assert client.get("/vi/feeds/section/unsorted/rss.xml").status_code == 404
    page = client.get(text.get_absolute_url()).content.decode()
    assert 'class="kicker"' not in page and "/vi/unsorted/" not in page
    sitemap = client.get("/sitemap-pages.xml")
    assert sitemap.status_code == 200 and b"/unsorted/" not in sitemap.content
    assert 'value="unsorted"' not in client.get("/vi/search/").content.decode()  # no filter for it
    home = client.get("/vi/").content.decode()
    assert text.title in home and "/vi/unsorted/" not in home

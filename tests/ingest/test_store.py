import copy
import datetime as dt

import pytest

from kabar.core.types import Extracted
from kabar.ingest.store import near_duplicate_index, store_article
from kabar.news.models import Article, ArticleAlias, ArticleRevision, ArticleText, Outlet

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "Sáng nay, thành phố khai trương tuyến xe buýt điện đầu tiên nối trung tâm với sân bay.",
    "Tuyến dài 28 km, có 19 điểm dừng và chạy từ 5 giờ sáng đến 23 giờ mỗi ngày.",
    "Giá vé được giữ ở mức 15.000 đồng trong năm đầu để khuyến khích người dân sử dụng.",
    "Đại diện nhà vận hành cho biết 40 xe sẽ được bổ sung vào cuối năm nay.",
]


@pytest.fixture
def outlet():
    return Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )


def make_doc(url="https://thu.example/xe-buyt.html", paragraphs=PARAGRAPHS):
    return Extracted(
        url=url,
        source_url=url,
        title="Khai trương tuyến xe buýt điện ra sân bay",
        lead="Tuyến xe buýt điện đầu tiên của thành phố bắt đầu chạy từ sáng nay.",
        blocks=[{"type": "paragraph", "text": p} for p in paragraphs],
        authors=["Lê Minh"],
        section="Thời sự",
        language="vi",
        published=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )


def test_storing_twice_writes_nothing_the_second_time(outlet):
    first = store_article(make_doc(), outlet=outlet)
    before = Article.objects.get().modified_at
    second = store_article(make_doc(), outlet=outlet)
    assert (first.status, second.status) == ("new", "unchanged")
    assert Article.objects.count() == 1 and ArticleText.objects.count() == 1
    assert Article.objects.get().modified_at == before
    assert ArticleRevision.objects.count() == 0


def test_a_changed_paragraph_keeps_a_revision_and_marks_translations_stale(
    outlet, django_capture_on_commit_callbacks
):
    result = store_article(make_doc(), outlet=outlet)
    ArticleText.objects.create(article=result.article, language="en", title="E", slug="e", status="machine")
    edited = copy.deepcopy(PARAGRAPHS)
    edited[2] = "Giá vé được giữ ở mức 12.000 đồng trong năm đầu."
    received = []
    from kabar.news.signals import original_changed

    def receiver(**kwargs):
        received.append(kwargs)

    original_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            again = store_article(make_doc(paragraphs=edited), outlet=outlet)
    finally:
        original_changed.disconnect(receiver)
    assert again.status == "updated"
    assert Article.objects.count() == 1
    revision = ArticleRevision.objects.get()
    assert revision.blocks[2]["text"] == PARAGRAPHS[2]
    original = again.article.texts.get(status="original")
    assert original.blocks[2]["text"] == edited[2]
    assert again.article.texts.get(language="en").stale is True
    assert original.stale is False
    assert received[0]["changed_blocks"] == [2] and received[0]["created"] is False


def test_near_duplicate_at_another_url_is_linked_not_stored(outlet):
    index = near_duplicate_index()
    store_article(make_doc(), outlet=outlet, index=index)
    copy_doc = make_doc(
        url="https://mirror.example/xe-buyt-dien.html", paragraphs=[*PARAGRAPHS, "Ảnh: Lê Minh"]
    )
    result = store_article(copy_doc, outlet=outlet, index=index)
    assert result.status == "duplicate"
    assert Article.objects.count() == 1
    alias = ArticleAlias.objects.get()
    assert alias.url == "https://mirror.example/xe-buyt-dien.html" and alias.similarity >= 0.8
    # the alias URL is recognised next time even without an index
    assert store_article(copy_doc, outlet=outlet).status == "duplicate"


def test_different_article_is_not_a_duplicate(outlet):
    index = near_duplicate_index()
    store_article(make_doc(), outlet=outlet, index=index)
    other = make_doc(
        url="https://thu.example/lua.html",
        paragraphs=[
            "Giá lúa gạo xuất khẩu tăng mạnh trong tháng mười do nhu cầu từ thị trường châu Phi.",
            "Các doanh nghiệp ở đồng bằng sông Cửu Long đẩy nhanh thu mua vụ thu đông.",
        ],
    )
    assert store_article(other, outlet=outlet, index=index).status == "new"
    assert Article.objects.count() == 2


def test_invalid_blocks_store_nothing(outlet):
    bad = make_doc()
    bad.blocks.append({"type": "image"})
    with pytest.raises(ValueError, match="src"):
        store_article(bad, outlet=outlet)
    assert Article.objects.count() == 0


def test_a_crash_mid_store_leaves_no_half_article(outlet, monkeypatch):
    import kabar.ingest.store as store

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_media_rows", boom)
    with pytest.raises(RuntimeError):
        store_article(make_doc(), outlet=outlet)
    assert Article.objects.count() == 0 and ArticleText.objects.count() == 0


def test_another_outlet_cannot_overwrite_an_article_by_naming_its_url(outlet):
    from kabar.core.errors import StageError

    store_article(make_doc(), outlet=outlet)
    intruder = Outlet.objects.create(
        name="Báo Khác", slug="bao-khac", home_url="https://khac.example", language="vi"
    )
    with pytest.raises(StageError, match="belongs to an article of Báo Thử"):
        store_article(
            make_doc(paragraphs=["Nội dung bị thay thế hoàn toàn bởi một trang khác."]), outlet=intruder
        )
    assert Article.objects.get().original.blocks[0]["text"] == PARAGRAPHS[0]


def test_same_name_authors_of_two_outlets_stay_two_people(outlet):
    other = Outlet.objects.create(
        name="Báo Khác", slug="bao-khac", home_url="https://khac.example", language="vi"
    )
    first = store_article(make_doc(), outlet=outlet).article
    second_doc = make_doc(
        url="https://khac.example/lua.html", paragraphs=["Giá lúa tăng mạnh trong tháng mười."]
    )
    second = store_article(second_doc, outlet=other).article
    (a,), (b,) = first.authors.all(), second.authors.all()
    assert a.name == b.name == "Lê Minh" and a.pk != b.pk
    assert (a.outlet, b.outlet) == (outlet, other) and a.slug != b.slug
    # the same outlet's author is found again, not duplicated
    third = store_article(
        make_doc(url="https://khac.example/ca-phe.html", paragraphs=["Cà phê vào vụ."]), outlet=other
    )
    assert list(third.article.authors.all()) == [b]

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


# --- stored files: content names, deletion after commit, nothing left by a failed store ---


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def picture(colour, name="anh.png"):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


def doc_with_image(url="https://thu.example/xe-buyt.html", src="https://thu.example/anh.png", **kwargs):
    doc = make_doc(url=url, **kwargs)
    doc.blocks.insert(1, {"type": "image", "src": src, "caption": "Xe buýt điện", "credit": "Lê Minh"})
    return doc


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_the_same_picture_is_one_file_named_by_its_content(outlet, media_root):
    from kabar.news.models import Media

    first = store_article(
        doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")}
    )
    other = doc_with_image(
        url="https://thu.example/lua.html", paragraphs=["Giá lúa tăng mạnh trong tháng mười năm nay."]
    )
    second = store_article(
        other, outlet=outlet, images={"https://thu.example/anh.png": picture("red", "b.png")}
    )
    (name,) = files_under(media_root)
    assert name.startswith("articles/") and name.endswith(".png")
    assert {m.image.name for m in Media.objects.all()} == {name}
    block = first.article.original.blocks[1]
    assert block["src"] == f"/media/{name}" and (block["width"], block["height"]) == (12, 8)
    assert second.article.original.blocks[1]["src"] == block["src"]


def test_a_failed_store_removes_the_files_it_wrote(outlet, media_root, monkeypatch):
    import kabar.ingest.store as store

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_media_rows", boom)
    with pytest.raises(RuntimeError):
        store_article(doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    assert Article.objects.count() == 0
    assert files_under(media_root) == []


def test_a_store_retried_after_a_crash_reuses_the_file_it_left(outlet, media_root, monkeypatch):
    """A kill -9 between saving a file and the commit: the retry finds the file by its name."""
    import kabar.ingest.store as store

    def killed(*args, **kwargs):
        raise SystemExit("killed")  # nothing after this runs in a killed process: no clean-up

    from django.core.files.storage import FileSystemStorage

    with monkeypatch.context() as patch:
        patch.setattr(store, "_media_rows", killed)
        patch.setattr(FileSystemStorage, "delete", lambda self, name: None)  # no clean-up either
        with pytest.raises(SystemExit):
            store_article(
                doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")}
            )
    left = files_under(media_root)
    assert len(left) == 1 and Article.objects.count() == 0
    store_article(doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    from kabar.news.models import Media

    assert files_under(media_root) == left == [Media.objects.get().image.name]


def test_a_file_cut_short_by_a_crash_is_written_again(outlet, media_root):
    from kabar.ingest.media_files import content_name

    content = picture("red").read()
    name = content_name(content, ".png")
    (media_root / name).parent.mkdir(parents=True)
    (media_root / name).write_bytes(content[:20])
    store_article(doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    assert files_under(media_root) == [name]
    assert (media_root / name).read_bytes() == content


def test_a_replaced_picture_is_deleted_after_commit_not_before(
    outlet, media_root, django_capture_on_commit_callbacks
):
    images = {"https://thu.example/anh.png": picture("red")}
    with django_capture_on_commit_callbacks(execute=True):
        store_article(doc_with_image(), outlet=outlet, images=images)
    (old,) = files_under(media_root)
    edited = doc_with_image(paragraphs=[*PARAGRAPHS[:3], "Đã có thêm 40 xe điện mới."])
    with django_capture_on_commit_callbacks(execute=True):
        result = store_article(edited, outlet=outlet, images={"https://thu.example/anh.png": picture("blue")})
        assert old in files_under(media_root), "deleted before the commit"
    assert result.status == "updated"
    (new,) = files_under(media_root)
    assert new != old and result.article.media.get().image.name == new


def test_an_update_that_rolls_back_keeps_the_old_picture(outlet, media_root, monkeypatch):
    import kabar.ingest.store as store
    from kabar.news.models import Media

    store_article(doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    (old,) = files_under(media_root)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_media_rows", boom)
    edited = doc_with_image(paragraphs=[*PARAGRAPHS[:3], "Đã có thêm 40 xe điện mới."])
    with pytest.raises(RuntimeError):
        store_article(edited, outlet=outlet, images={"https://thu.example/anh.png": picture("blue")})
    assert files_under(media_root) == [old] and Media.objects.get().image.name == old


def test_a_picture_another_article_uses_survives_an_update(
    outlet, media_root, django_capture_on_commit_callbacks
):
    shared = {"https://thu.example/anh.png": picture("red")}
    with django_capture_on_commit_callbacks(execute=True):
        store_article(doc_with_image(), outlet=outlet, images=shared)
        other = doc_with_image(
            url="https://thu.example/lua.html", paragraphs=["Giá lúa tăng mạnh tháng mười."]
        )
        store_article(other, outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    (name,) = files_under(media_root)
    edited = doc_with_image(paragraphs=[*PARAGRAPHS[:3], "Đã có thêm 40 xe điện mới."])
    with django_capture_on_commit_callbacks(execute=True):
        store_article(edited, outlet=outlet, images={"https://thu.example/anh.png": picture("blue")})
    assert name in files_under(media_root) and len(files_under(media_root)) == 2


# --- two copies naming one canonical URL ---

CANONICAL = "https://thu.example/xe-buyt.html"


def copy_read_at(fetched, paragraphs=PARAGRAPHS):
    doc = make_doc(url=fetched, paragraphs=paragraphs)
    doc.source_url = CANONICAL
    return doc


OTHER_TEXT = [*PARAGRAPHS[:3], "Bản này có đoạn cuối khác hẳn bản lưu đầu tiên, về giờ chạy xe."]


def test_two_copies_of_one_canonical_url_do_not_take_turns(outlet):
    from kabar.core.errors import StageError

    first, second = copy_read_at("file:///srv/a.html"), copy_read_at("file:///srv/b.html", OTHER_TEXT)
    assert store_article(first, outlet=outlet).status == "new"
    for _run in range(2):
        assert store_article(first, outlet=outlet).status == "unchanged"
        with pytest.raises(StageError) as refused:
            store_article(second, outlet=outlet)
        assert refused.value.stage == "store"
        assert "file:///srv/a.html" in refused.value.reason and "file:///srv/b.html" in refused.value.reason
        assert CANONICAL in refused.value.reason
    article = Article.objects.get()
    assert article.fetched_url == "file:///srv/a.html" and article.original.blocks[3]["text"] == PARAGRAPHS[3]
    assert ArticleRevision.objects.count() == 0


def test_the_copy_read_at_the_canonical_url_itself_wins(outlet):
    from kabar.core.errors import StageError

    mirror = copy_read_at("file:///srv/a.html")
    store_article(mirror, outlet=outlet)
    assert store_article(copy_read_at(CANONICAL, OTHER_TEXT), outlet=outlet).status == "updated"
    with pytest.raises(StageError, match="conflict"):
        store_article(mirror, outlet=outlet)
    assert store_article(copy_read_at(CANONICAL, OTHER_TEXT), outlet=outlet).status == "unchanged"
    assert Article.objects.get().fetched_url == CANONICAL


def test_the_same_place_changed_by_the_outlet_still_updates(outlet):
    store_article(copy_read_at("file:///srv/a.html"), outlet=outlet)
    again = store_article(copy_read_at("file:///srv/a.html", OTHER_TEXT), outlet=outlet)
    assert again.status == "updated" and ArticleRevision.objects.count() == 1


def test_a_saved_file_naming_its_canonical_url_is_told_apart_by_where_it_was_read(outlet):
    """A saved page's document URL is its canonical link; the file it came from decides conflicts."""
    from kabar.core.errors import StageError

    page = make_doc()  # url == source_url == the canonical URL, as the file source builds it
    store_article(page, outlet=outlet, fetched_url="file:///srv/a.html")
    with pytest.raises(StageError, match="conflict"):
        store_article(make_doc(paragraphs=OTHER_TEXT), outlet=outlet, fetched_url="file:///srv/b.html")


def test_an_article_stored_before_copies_were_tracked_takes_the_next_copy(outlet):
    store_article(copy_read_at("file:///srv/a.html"), outlet=outlet)
    Article.objects.update(fetched_url="")
    assert store_article(copy_read_at("file:///srv/b.html", OTHER_TEXT), outlet=outlet).status == "updated"
    assert Article.objects.get().fetched_url == "file:///srv/b.html"


def test_a_file_deleted_by_another_transaction_while_in_use_is_written_again(
    outlet, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    import kabar.ingest.store as store

    with django_capture_on_commit_callbacks(execute=True):
        store_article(doc_with_image(), outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    (name,) = files_under(media_root)
    real_media_rows = store._media_rows

    def meanwhile(*args, **kwargs):
        default_storage.delete(name)  # another transaction, seeing the file unused, removes it
        return real_media_rows(*args, **kwargs)

    monkeypatch.setattr(store, "_media_rows", meanwhile)
    other = doc_with_image(url="https://thu.example/lua.html", paragraphs=["Giá lúa tăng mạnh tháng mười."])
    with django_capture_on_commit_callbacks(execute=True):
        store_article(other, outlet=outlet, images={"https://thu.example/anh.png": picture("red")})
    assert files_under(media_root) == [name]

"""``kabar media gc`` and the file clean-up after a Media row is deleted."""

import os
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kabar.ingest.media_files import find_orphans, referenced_among
from kabar.news.models import Article, ArticleText, Media, Outlet

pytestmark = pytest.mark.django_db

HOUR_AGO = time.time() - 2 * 3600


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def put(root, name, *, old=True, content=b"\x89PNG picture"):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if old:
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


@pytest.fixture
def library(media_root):
    """One file for each kind of reference, two orphans left by an older version, one fresh file."""
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi", logo="outlets/logo.png"
    )
    article = Article.objects.create(
        outlet=outlet,
        source_url="https://thu.example/a.html",
        source_language="vi",
        published_at="2025-10-12T08:00Z",
    )
    Media.objects.create(article=article, image="articles/ab/row.png", width=1, height=1)
    ArticleText.objects.create(
        article=article,
        language="vi",
        title="Tin",
        slug="tin",
        status="original",
        blocks=[
            {"type": "paragraph", "text": "Đoạn văn."},
            {"type": "image", "src": "/media/articles/cd/text%20only.png", "caption": "Ảnh"},
            {"type": "image", "src": "https://cdn.example/remote.png", "caption": "Ảnh ngoài"},
        ],
    )
    for name in ("outlets/logo.png", "articles/ab/row.png", "articles/cd/text only.png"):
        put(media_root, name)
    orphans = [put(media_root, "articles/2025/10/anh.png"), put(media_root, "media/2025/10/cu.jpg")]
    fresh = put(media_root, "articles/ef/saving-now.png", old=False)
    return orphans, fresh


def test_dry_run_lists_only_unreferenced_old_files_and_deletes_nothing(library, media_root, capsys):
    orphans, fresh = library
    call_command("media", "gc")
    out = capsys.readouterr().out.splitlines()
    listed = [line.split("\t")[0] for line in out[:-1]]
    assert sorted(listed) == ["articles/2025/10/anh.png", "media/2025/10/cu.jpg"]
    assert out[-1].startswith("2 unreferenced files, 24 bytes; 1 younger than 60 min kept")
    assert "dry run" in out[-1] and "--delete" in out[-1]
    assert all(path.exists() for path in [*orphans, fresh])


def test_delete_removes_exactly_the_orphans(library, media_root, capsys):
    orphans, fresh = library
    call_command("media", "gc", "--delete")
    assert "deleted 2 unreferenced files" in capsys.readouterr().out
    assert not any(path.exists() for path in orphans)
    left = sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())
    assert left == [
        "articles/ab/row.png",
        "articles/cd/text only.png",
        "articles/ef/saving-now.png",
        "outlets/logo.png",
    ]
    # a shorter grace period lets the fresh one go too
    call_command("media", "gc", "--delete", "--grace-minutes", "0")
    assert not fresh.exists()


def test_a_file_that_became_used_between_the_walk_and_the_delete_is_kept(library, media_root):
    from kabar.ingest.media_files import delete_orphans

    survey = find_orphans(media_root)
    Media.objects.create(image="articles/2025/10/anh.png")
    deleted, failed = delete_orphans(media_root, survey.orphans)
    assert [o.name for o in deleted] == ["media/2025/10/cu.jpg"] and failed == []
    assert (media_root / "articles/2025/10/anh.png").exists()


def test_links_are_neither_listed_nor_followed(media_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    put(outside, "precious.png")
    (media_root / "link.png").symlink_to(outside / "precious.png")
    (media_root / "folder").symlink_to(outside, target_is_directory=True)
    assert find_orphans(media_root).orphans == []
    call_command("media", "gc", "--delete", "--grace-minutes", "0")
    assert (outside / "precious.png").exists()


def test_a_missing_media_root_is_a_clear_error(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "nowhere"
    with pytest.raises(CommandError, match=r"MEDIA_ROOT .*nowhere does not exist.*KABAR_DATA_DIR"):
        call_command("media", "gc")


def test_a_file_that_cannot_be_deleted_makes_the_command_fail(library, media_root, monkeypatch, capsys):
    from pathlib import Path

    real_unlink = Path.unlink

    def refuse(self, *args, **kwargs):
        if self.name == "cu.jpg":
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(CommandError, match="1 files could not be deleted"):
        call_command("media", "gc", "--delete")
    captured = capsys.readouterr()
    assert "could not delete media/2025/10/cu.jpg: Permission denied" in captured.err
    assert "deleted articles/2025/10/anh.png" in captured.out


def test_deleting_an_article_removes_its_own_files_after_commit(
    library, media_root, django_capture_on_commit_callbacks
):
    article = Article.objects.get()
    other = Article.objects.create(
        outlet=article.outlet,
        source_url="https://thu.example/b.html",
        source_language="vi",
        published_at="2025-10-12T08:00Z",
    )
    Media.objects.create(article=other, image="articles/cd/text only.png")  # shared with the first's text
    put(media_root, "articles/ab/second.png")
    Media.objects.create(article=article, image="articles/ab/second.png")
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
        assert (media_root / "articles/ab/row.png").exists(), "not before the commit"
    assert not (media_root / "articles/ab/row.png").exists()
    assert not (media_root / "articles/ab/second.png").exists()
    assert (media_root / "articles/cd/text only.png").exists(), "another article still uses it"


def test_a_deletion_that_rolls_back_keeps_the_file(library, media_root):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        Media.objects.all().delete()
        raise RuntimeError("rolled back")
    assert (media_root / "articles/ab/row.png").exists() and Media.objects.count() == 1


def test_names_used_only_by_a_text_block_are_found_in_the_database(library):
    assert referenced_among(["articles/cd/text only.png", "articles/2025/10/anh.png"]) == {
        "articles/cd/text only.png"
    }

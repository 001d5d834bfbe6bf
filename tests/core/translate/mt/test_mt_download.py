"""Archive unpacking for ``kabar mt install``: zip and tar, and what may never come out of one."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from kabar.core.translate.mt.download import InstallError, extract, unsafe_member


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [
        ("model/model.bin", False),
        ("opus-2020-06-17/decoder.yml", False),
        ("a/../b", True),
        ("../evil", True),
        ("/etc/passwd", True),
        ("..\\..\\evil", True),
        ("C:/Windows/evil", True),
    ],
)
def test_unsafe_member_names(name, unsafe):
    assert unsafe_member(name) is unsafe


def tar_with(path: Path, *members: tarfile.TarInfo, data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, 1 if kind == tarfile.REGTYPE else 0
    return info


def test_a_tar_release_unpacks(tmp_path):
    archive = tar_with(tmp_path / "r.tar.gz", entry("release/decoder.yml"), entry("release/source.spm"))
    out = extract(archive, tmp_path / "out")
    assert (out / "release" / "decoder.yml").read_bytes() == b"x"


@pytest.mark.parametrize(
    "member",
    [
        entry("../evil"),
        entry("/tmp/evil"),
        entry("release/link", tarfile.SYMTYPE, "/etc/passwd"),
        entry("release/hard", tarfile.LNKTYPE, "release/decoder.yml"),
        entry("release/dev", tarfile.CHRTYPE),
    ],
)
def test_tar_members_that_could_escape_are_refused(tmp_path, member):
    archive = tar_with(tmp_path / "r.tgz", entry("release/decoder.yml"), member)
    with pytest.raises(InstallError, match="unsafe member"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "release").exists()
    assert not (tmp_path / "evil").exists()


def test_a_zip_symlink_is_refused(tmp_path):
    archive = tmp_path / "r.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        link = zipfile.ZipInfo("release/link")
        link.external_attr = 0o120777 << 16  # a symlink's mode
        zipped.writestr(link, "/etc/passwd")
    with pytest.raises(InstallError, match="unsafe member 'release/link'"):
        extract(archive, tmp_path / "out")


def test_truncated_and_oversized_archives(tmp_path):
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("decoder.yml", "models: []\n" * 5000)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:-30])
    with pytest.raises(InstallError, match="not a zip or tar archive|truncated or damaged"):
        extract(cut, tmp_path / "out")
    with pytest.raises(InstallError, match="unpacks to 55,000 bytes, over the 1,000-byte limit"):
        extract(whole, tmp_path / "out2", max_bytes=1000)

"""``kabar ingest``: its exit status (0 stored, 1 some failed, 2 nothing read or misuse) and what it says.

Each case named in issue 7 is here: a 404, an unresolvable host, ``htps://``, a missing
file, a JPEG, a PDF, an over-size file and a capture without a title.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from kabar.demo.server import OutletServer
from kabar.hookspecs import SOURCE_GROUP, plugin_classes
from kabar.ingest.management.commands import ingest as ingest_command
from kabar.ingest.management.commands.ingest import Command
from kabar.ingest.models import IngestFailure
from kabar.news.models import Article

pytestmark = pytest.mark.django_db

PARAGRAPH = (
    "Đoạn văn số {} nói về mùa lúa mới ở đồng bằng sông Cửu Long, nơi nông dân đang thu hoạch "
    "và bán gạo cho thương lái với giá cao hơn năm ngoái."
)
# Paragraphs of a page whose beginning was cut off: no title anywhere.
TRUNCATED_CAPTURE = "\n".join(
    [
        "sebuah kalimat yang cukup panjang tentang pertanian padi di delta Mekong dan para petaninya.",
        "Para petani di provinsi itu menanam varietas baru yang tahan terhadap air asin, menurut dinas.",
        "Hasil panen tahun ini meningkat sekitar sepuluh persen dibandingkan tahun lalu, kata pejabat.",
        "Sumber: https://nhandan.vn/example-article-123.html",
    ]
)


@pytest.fixture(autouse=True)
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}


def article_page(title: str) -> str:
    body = "".join(f"<p>{PARAGRAPH.format(i)}</p>" for i in range(6))
    return f"<html lang='vi'><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def run(*args: str, **options: object) -> tuple[int, str, str]:
    """``kabar ingest`` in-process: (exit status, stdout, the error line)."""
    out = io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=io.StringIO(), **options)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_every_document_stored_exits_0_and_again_unchanged_exits_0(tmp_path):
    (tmp_path / "rice.html").write_text(article_page("Mùa lúa mới ở miền Tây"), encoding="utf-8")
    assert run(str(tmp_path / "rice.html"))[0] == 0
    code, out, _ = run(str(tmp_path / "rice.html"), json=True)
    assert code == 0 and json.loads(out)["unchanged"] == 1


def test_some_documents_failed_exits_1_and_says_how_many(tmp_path):
    (tmp_path / "rice.html").write_text(article_page("Mùa lúa mới ở miền Tây"), encoding="utf-8")
    (tmp_path / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    code, out, message = run(str(tmp_path))
    assert code == 1
    assert message.startswith("1 of 2 documents failed") and "the others were stored" in message
    assert "failed documents" in out and "empty.html" in out
    assert Article.objects.count() == 1


def test_a_404_exits_2_and_is_recorded():
    with OutletServer() as server:
        url = f"{server.url}/no-such-page.html"
        code, out, message = run(url, allow_private=True)
    assert code == 2
    assert message == f"nothing stored: {url} failed at fetch: HTTP 404 Not Found"
    assert IngestFailure.objects.filter(url=url, reason="HTTP 404 Not Found").exists()


def test_a_loopback_address_without_allow_private_says_to_add_it():
    with OutletServer() as server:
        code, _, message = run(f"{server.url}/index.html")
    assert code == 2 and "loopback" in message and "add --allow-private" in message


def test_an_unresolvable_host_exits_2():
    code, _, message = run("http://no-such-host.invalid/news/1.html")
    assert code == 2
    assert message.startswith("nothing stored: http://no-such-host.invalid/news/1.html failed at fetch:")
    assert "cannot resolve no-such-host.invalid" in message


def test_a_mistyped_scheme_names_it_and_records_nothing():
    code, _, message = run("htps://outlet.example/rss.xml")
    assert (code, message) == (2, "unsupported URL scheme 'htps' (use http:// or https://)")
    assert not IngestFailure.objects.exists()


def test_a_missing_file_says_file_not_found_with_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, message = run("saved/page.html")
    assert (code, message) == (2, f"file not found: {tmp_path.resolve() / 'saved' / 'page.html'}")
    code, _, message = run("missing-capture.txt", kind="capture")
    assert (code, message) == (2, f"file not found: {tmp_path.resolve() / 'missing-capture.txt'}")
    assert not IngestFailure.objects.exists()


def test_a_web_address_without_its_scheme_is_told_how_to_write_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, message = run("outlet.example/rss.xml")
    assert code == 2 and message.endswith("(for a web address, write https://outlet.example/rss.xml)")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", jpeg_bytes()),
        ("report.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"),
        ("letter.docx", b"PK\x03\x04" + b"\x00" * 26),
    ],
)
def test_an_unsupported_file_says_which_kinds_are_accepted(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, message = run(str(path))
    assert code == 2
    assert message.startswith(f"unsupported file type {path.suffix} ({path}); kabar ingests ")
    # The list comes from the installed source plugins: every suffix they take is named.
    for source in plugin_classes(SOURCE_GROUP).values():
        for suffix in getattr(source, "suffixes", ()):
            assert suffix in message, suffix
    assert "http:// and https:// URLs" in message
    assert not IngestFailure.objects.exists()


def test_a_folder_without_any_file_kabar_ingests_says_so(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes())
    code, _, message = run(str(tmp_path))
    assert code == 2 and message.startswith(f"no file kabar ingests in the folder {tmp_path}; kabar ingests")


def test_a_network_kind_given_a_local_file_is_a_usage_error(tmp_path):
    (tmp_path / "feed.xml").write_text("<rss/>", encoding="utf-8")
    code, _, message = run(str(tmp_path / "feed.xml"), kind="feed")
    assert code == 2 and message.startswith(
        f"--kind feed takes an http:// or https:// URL, not the local {tmp_path}"
    )


def test_an_over_size_file_exits_2_and_is_recorded_at_its_absolute_location(tmp_path, monkeypatch):
    big = tmp_path / "huge.html"
    with big.open("wb") as handle:  # sparse: one byte past the 10 MB limit costs no disk
        handle.truncate(10_000_001)
    monkeypatch.chdir(tmp_path)
    code, _, message = run("huge.html")
    assert code == 2 and "file larger than 10,000,000 bytes" in message
    failure = IngestFailure.objects.get()
    assert failure.url == big.resolve().as_uri() and "larger than" in failure.reason


def test_a_capture_without_a_title_exits_2_with_the_reason(tmp_path):
    (tmp_path / "truncated.txt").write_text(TRUNCATED_CAPTURE, encoding="utf-8")
    code, _, message = run(str(tmp_path / "truncated.txt"))
    assert code == 2 and message.endswith("failed at store: no title found (truncated page or capture?)")
    assert IngestFailure.objects.get().stage == "store"


def test_every_document_failing_in_a_folder_exits_2(tmp_path):
    for n in range(2):
        (tmp_path / f"truncated-{n}.txt").write_text(TRUNCATED_CAPTURE.replace("Hasil", f"Hasil {n}"))
    code, out, message = run(str(tmp_path), json=True)
    assert code == 2 and message.startswith("nothing stored: all 2 documents failed")
    assert len(json.loads(out)["failed"]) == 2, "--json prints the summary and keeps the exit status"


def test_a_relative_location_reaches_ingest_absolute(tmp_path, monkeypatch):
    """What ``ingest`` records for the location itself must name the file from any folder."""
    seen = []
    real_ingest = ingest_command.ingest

    def spy(location, **options):
        seen.append(location)
        return real_ingest(location, **options)

    monkeypatch.setattr(ingest_command, "ingest", spy)
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "truncated.txt").write_text(TRUNCATED_CAPTURE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run("captures", kind="capture")[0] == 2
    assert seen == [str(tmp_path.resolve() / "captures")]
    assert IngestFailure.objects.get().url == (tmp_path.resolve() / "captures" / "truncated.txt").as_uri()


def test_an_unknown_outlet_is_a_usage_error(tmp_path):
    (tmp_path / "rice.html").write_text(article_page("Mùa lúa"), encoding="utf-8")
    code, _, message = run(str(tmp_path / "rice.html"), outlet="no-such-outlet")
    assert code == 2 and message.startswith("no outlet with slug 'no-such-outlet'")


def test_from_the_command_line_the_status_is_the_process_exit_code(tmp_path, capsys):
    """Through ``run_from_argv``, as the ``kabar`` script runs it: bad flags and failures exit 2."""
    with pytest.raises(SystemExit) as bad_flag:
        Command().run_from_argv(["kabar", "ingest", str(tmp_path), "--kind", "pdf"])
    assert bad_flag.value.code == 2
    with pytest.raises(SystemExit) as missing:
        Command().run_from_argv(["kabar", "ingest", str(tmp_path / "gone.html")])
    assert missing.value.code == 2
    assert f"file not found: {tmp_path / 'gone.html'}" in capsys.readouterr().err


def test_local_sources_say_what_they_are():
    """The accepted-kinds message names each local source by its label (a plugin may add its own)."""
    labels = {
        name: getattr(cls, "label", None)
        for name, cls in plugin_classes(SOURCE_GROUP).items()
        if getattr(cls, "suffixes", None)
    }
    assert labels == {"file": "HTML pages", "warc": "WARC/WET files", "capture": "text captures"}

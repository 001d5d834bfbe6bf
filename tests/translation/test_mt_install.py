"""``kabar mt install`` against a local server that serves tiny models as OPUS-MT, Argos and the Hub do.

Every install ends with a real CTranslate2 translation through the engine configured from
the settings the command printed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from model_server import ModelServer, model_server

from kabar.core.translate.mt.ct2 import CTranslate2Engine
from kabar.core.translate.mt.tiny import build_tiny_model, package_argos, package_opus_mt_release

PAIR_README = """# vi-en

## opus-2019-12-18.zip

* download: [opus-2019-12-18.zip](https://object.pouta.csc.fi/OPUS-MT-models/vi-en/opus-2019-12-18.zip)

## opus-2020-06-17.zip

* download: [opus-2020-06-17.zip](https://object.pouta.csc.fi/OPUS-MT-models/vi-en/opus-2020-06-17.zip)
"""
SENTENCES = ["Chính phủ công bố kế hoạch mới hôm nay.", "Học sinh trồng cây xanh hôm qua."]


@pytest.fixture(scope="module")
def opus_release(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return package_opus_mt_release(tmp_path_factory.mktemp("opus") / "release.zip").read_bytes()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("ct2") / "tiny", source="en", target="id")


@pytest.fixture(scope="module")
def argos_package(tmp_path_factory: pytest.TempPathFactory, tiny_dir: Path) -> bytes:
    out = tmp_path_factory.mktemp("argos") / "en_id.argosmodel"
    return package_argos(tiny_dir, out, from_code="en", to_code="id", package_version="1.9").read_bytes()


@pytest.fixture
def server(settings: Any) -> Iterator[ModelServer]:
    with model_server() as served:
        settings.MT_INSTALL_URLS = {
            "opus_mt": f"{served.url}/OPUS-MT-models",
            "argos_index": f"{served.url}/argospm-index/index.json",
            "huggingface": f"{served.url}/hub",
        }
        settings.MT_ENGINES = {}
        settings.MT_ROUTES = {}
        yield served


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("mt", "install", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as error:
        run(*args)
    return error.value


def exported(report: str) -> dict[str, Any]:
    """The KABAR_* values of the ``export`` lines the command printed, as a shell would read them."""
    values = {}
    for line in report.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = json.loads(shlex.split(value)[0])
    return values


def translate_with(report: str, source: str, target: str) -> list[str]:
    options = exported(report)["KABAR_MT_ENGINES"]["ctranslate2"]
    engine = CTranslate2Engine(**options)
    assert (source, target) in engine.pairs()
    return engine.translate(SENTENCES, source, target)


def serve_opus(server: ModelServer, release: bytes, **options: Any) -> str:
    server.put("/OPUS-MT-models/vi-en/README.md", PAIR_README.encode())
    path = "/OPUS-MT-models/vi-en/opus-2020-06-17.zip"
    server.put(path, release, **options)
    return path


def test_opus_mt_release_is_converted_and_translates(server, opus_release, tmp_path):
    zip_path = serve_opus(server, opus_release)
    report = run("opus-mt:vi-en", "--dest", str(tmp_path))
    model = tmp_path / "opus-mt-vi-en"
    assert f"Installed opus-mt:vi-en (vi→en) at {model}" in report
    assert (model / "model.bin").is_file() and (model / "source.spm").is_file()
    assert json.loads((model / "kabar.json").read_text())["source"] == "vi"
    assert server.hits(zip_path) == 1  # the newest release in the README, the older one untouched
    assert not any(p.endswith("2019-12-18.zip") for p, _ in server.requests)
    assert exported(report)["KABAR_MT_ENGINES"] == {"ctranslate2": {"models": [{"path": str(model)}]}}
    translations = translate_with(report, "vi", "en")
    assert all(t.strip() for t in translations)
    assert not list(tmp_path.glob(".installing-*")) and not list((tmp_path / ".downloads").iterdir())

    again = run("opus-mt:vi-en", "--dest", str(tmp_path))
    assert "already installed" in again and server.hits(zip_path) == 1
    run("opus-mt:vi-en", "--dest", str(tmp_path), "--force")
    assert server.hits(zip_path) == 2


def test_a_named_release_and_the_current_settings_kept(server, opus_release, tmp_path, settings, tiny_dir):
    server.put("/OPUS-MT-models/vi-en/opus-2019-12-18.zip", opus_release)
    settings.MT_ENGINES = {"ctranslate2": {"models": [str(tiny_dir)], "beam_size": 1, "data_dir": "/x"}}
    settings.MT_ROUTES = {"id": ["ctranslate2"]}
    report = run("opus-mt:vi-en/opus-2019-12-18", "--dest", str(tmp_path))
    values = exported(report)
    assert values["KABAR_MT_ENGINES"] == {
        "ctranslate2": {"models": [str(tiny_dir), {"path": str(tmp_path / "opus-mt-vi-en")}], "beam_size": 1}
    }
    assert values["KABAR_MT_ROUTES"] == {"id": ["ctranslate2"], "en": ["ctranslate2"]}


def test_argos_package_from_the_index(server, argos_package, tmp_path):
    index = [
        {
            "from_code": "en",
            "to_code": "id",
            "package_version": "1.2",
            "links": [f"{server.url}/old.argosmodel"],
        },
        {
            "from_code": "en",
            "to_code": "id",
            "package_version": "1.9",
            "type": "translate",
            "links": [f"{server.url}/argos/translate-en_id-1_9.argosmodel"],
            "sha256": hashlib.sha256(argos_package).hexdigest(),
        },
        {"from_code": "id", "to_code": "en", "package_version": "1.9", "links": [f"{server.url}/x"]},
    ]
    server.put("/argospm-index/index.json", json.dumps(index).encode())
    server.put("/argos/translate-en_id-1_9.argosmodel", argos_package)
    report = run("argos:en-id", "--dest", str(tmp_path))
    package = tmp_path / "translate-en_id-1_9.argosmodel"
    assert package.is_file() and f"at {package}" in report
    engines = exported(report)["KABAR_MT_ENGINES"]["ctranslate2"]
    assert engines["models"] == [{"path": str(package)}]
    assert engines["cache_dir"] == str(tmp_path / "mt-cache")
    assert all(t.strip() for t in translate_with(report, "en", "id"))

    error = refused("argos:vi-en", "--dest", str(tmp_path))
    assert error.returncode == 1 and "no vi→en package; it offers: en-id, id-en" in str(error)


def test_a_wrong_argos_checksum_is_refused_and_nothing_installed(server, argos_package, tmp_path):
    index = [{"from_code": "en", "to_code": "id", "package_version": "1.9", "sha256": "0" * 64,
              "links": [f"{server.url}/p.argosmodel"]}]  # fmt: skip
    server.put("/argospm-index/index.json", json.dumps(index).encode())
    server.put("/p.argosmodel", argos_package)
    error = refused("argos:en-id", "--dest", str(tmp_path))
    assert error.returncode == 1 and "checksum mismatch" in str(error)
    assert not list(tmp_path.glob("*.argosmodel")) and not list((tmp_path / ".downloads").iterdir())


def hub_listing(files: dict[str, bytes], lfs: set[str]) -> bytes:
    listing = []
    for name, data in files.items():
        item: dict[str, Any] = {"type": "file", "path": name, "size": len(data)}
        if name in lfs:
            item["oid"] = "f" * 40
            item["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data)}
        else:
            item["oid"] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        listing.append(item)
    listing.append({"type": "directory", "path": "onnx", "oid": "0" * 40})
    return json.dumps(listing).encode()


def serve_hub(server: ModelServer, repo: str, files: dict[str, bytes], lfs: set[str]) -> None:
    server.put(f"/hub/api/models/{repo}/tree/main?recursive=true", hub_listing(files, lfs))
    for name, data in files.items():
        server.put(f"/hub/{repo}/resolve/main/{name}", data)


def test_a_hub_repository_with_a_ctranslate2_model(server, tiny_dir, tmp_path):
    files = {p.name: p.read_bytes() for p in tiny_dir.iterdir() if p.name != "kabar.json"}
    files["flax_model.msgpack"] = b"not wanted"
    serve_hub(server, "someone/tiny-opus-mt-en-id", files, lfs={"model.bin"})
    report = run("hf:someone/tiny-opus-mt-en-id", "--dest", str(tmp_path))
    model = tmp_path / "tiny-opus-mt-en-id"
    assert (model / "model.bin").is_file() and not (model / "flax_model.msgpack").exists()
    assert json.loads((model / "kabar.json").read_text())["target"] == "id"
    assert all(t.strip() for t in translate_with(report, "en", "id"))


def test_a_hub_file_that_fails_its_checksum_is_refused(server, tiny_dir, tmp_path):
    files = {p.name: p.read_bytes() for p in tiny_dir.iterdir()}
    serve_hub(server, "someone/tiny-en-id", files, lfs={"model.bin"})
    server.put("/hub/someone/tiny-en-id/resolve/main/config.json", b'{"tampered": true}')
    error = refused("hf:someone/tiny-en-id", "--dest", str(tmp_path))
    assert error.returncode == 1 and "config.json" in str(error) and "checksum mismatch" in str(error)
    assert not (tmp_path / "tiny-en-id").exists()


def test_a_transformers_model_without_torch_says_what_to_install(server, tmp_path):
    pytest.importorskip("kabar")  # always there; the next line is the real condition
    if all(__import__("importlib").util.find_spec(m) for m in ("torch", "transformers")):
        pytest.skip("PyTorch and Transformers are installed here: the conversion would run")
    files = {"config.json": b'{"architectures": ["MarianMTModel"]}', "pytorch_model.bin": b"weights"}
    serve_hub(server, "Helsinki-NLP/opus-mt-vi-en", files, lfs={"pytorch_model.bin"})
    error = refused("hf:Helsinki-NLP/opus-mt-vi-en", "--dest", str(tmp_path))
    assert error.returncode == 1
    assert "needs PyTorch and Transformers" in str(error) and "pip install torch transformers" in str(error)
    assert not any("resolve" in p for p, _ in server.requests)  # refused before downloading anything


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("opus:vi-en", "unknown model spec"),
        ("vi-en", "unknown model spec"),
        ("opus-mt:vietnamese-english", "not a language pair"),
        ("opus-mt:vi-vi", "source and target are both vi"),
        ("opus-mt:vi-en/../../etc", "not an OPUS-MT release name"),
        ("argos:en", "not a language pair"),
        ("hf:no-owner", "hf:OWNER/NAME"),
        ("hf:../x/y", "hf:OWNER/NAME"),
    ],
)
def test_misuse_is_exit_2(server, tmp_path, spec, says):
    error = refused(spec, "--dest", str(tmp_path))
    assert error.returncode == 2 and says in str(error)
    assert server.requests == []


def test_not_found_is_exit_1(server, tmp_path):
    error = refused("opus-mt:vi-xx", "--dest", str(tmp_path))
    assert error.returncode == 1 and "not found (HTTP 404)" in str(error)
    error = refused("hf:someone/missing", "--dest", str(tmp_path))
    assert error.returncode == 1 and "404" in str(error)


def test_a_truncated_download_fails_then_resumes(server, opus_release, tmp_path):
    zip_path = serve_opus(server, opus_release, truncate_at=len(opus_release) // 3)
    error = refused("opus-mt:vi-en", "--dest", str(tmp_path))
    assert error.returncode == 1 and "run the same command again to resume it" in str(error)
    part = tmp_path / ".downloads" / "opus-mt-vi-en-opus-2020-06-17.zip.part"
    assert part.stat().st_size == len(opus_release) // 3
    assert not (tmp_path / "opus-mt-vi-en").exists()

    run("opus-mt:vi-en", "--dest", str(tmp_path))
    assert server.requests[-1] == (zip_path, f"bytes={len(opus_release) // 3}-")  # only the rest asked for
    assert (tmp_path / "opus-mt-vi-en" / "model.bin").is_file()


def test_a_server_that_ignores_range_starts_over(server, opus_release, tmp_path):
    serve_opus(server, opus_release, ranges=False)
    downloads = tmp_path / ".downloads"
    downloads.mkdir(parents=True)
    (downloads / "opus-mt-vi-en-opus-2020-06-17.zip.part").write_bytes(b"left over from a crash")
    run("opus-mt:vi-en", "--dest", str(tmp_path))
    assert (tmp_path / "opus-mt-vi-en" / "model.bin").is_file()


def archive_with(tmp_path: Path, members: dict[str, bytes]) -> bytes:
    out = tmp_path / "crafted.zip"
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.read_bytes()


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"decoder.yml": b"models: []", "../../evil.txt": b"owned"}, "unsafe member '../../evil.txt'"),
        ({"/etc/evil": b"owned"}, "unsafe member '/etc/evil'"),
        ({"README.md": b"# not a model"}, "no decoder.yml"),
        ({"decoder.yml": b"models: [m.npz]\nvocabs: [v.yml]\n", "m.npz": b"junk"}, "does not convert"),
    ],
)
def test_hostile_or_wrong_archives_are_refused(server, tmp_path, members, says):
    serve_opus(server, archive_with(tmp_path, members))
    dest = tmp_path / "models"
    error = refused("opus-mt:vi-en", "--dest", str(dest))
    assert error.returncode == 1 and says in str(error)
    assert not (dest / "opus-mt-vi-en").exists()
    assert not (tmp_path / "evil.txt").exists() and not (dest / "evil.txt").exists()
    assert not list(dest.glob(".installing-*")) and not list((dest / ".downloads").iterdir())


def test_not_an_archive_at_all(server, tmp_path):
    serve_opus(server, b"<html>a login page, not a model</html>")
    error = refused("opus-mt:vi-en", "--dest", str(tmp_path))
    assert error.returncode == 1 and "is not a zip or tar archive" in str(error)


def test_size_cap_and_timeout(server, opus_release, tmp_path):
    serve_opus(server, opus_release)
    error = refused("opus-mt:vi-en", "--dest", str(tmp_path), "--max-size", "1k")
    assert error.returncode == 1 and "over the 1,024-byte limit" in str(error)
    server.put("/OPUS-MT-models/vi-en/README.md", PAIR_README.encode(), delay=2.0)
    error = refused("opus-mt:vi-en", "--dest", str(tmp_path), "--timeout", "0.3")
    assert error.returncode == 1 and "no answer within" in str(error)
    assert refused("opus-mt:vi-en", "--max-size", "lots").returncode == 2


def test_the_console_script_exits_with_the_codes(tmp_path):
    env = {**os.environ, "KABAR_DATA_DIR": str(tmp_path), "KABAR_MT_OPUS_URL": "http://127.0.0.1:9/nothing"}
    misuse = subprocess.run(
        [sys.executable, "-m", "kabar", "mt", "install", "opus-mt:nonsense"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert misuse.returncode == 2 and "not a language pair" in misuse.stderr
    bad_flag = subprocess.run(
        [sys.executable, "-m", "kabar", "mt", "install", "opus-mt:vi-en", "--quantization", "int3"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert bad_flag.returncode == 2 and "invalid choice: 'int3'" in bad_flag.stderr
    failed = subprocess.run(
        [sys.executable, "-m", "kabar", "mt", "install", "opus-mt:vi-en", "--timeout", "2"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert failed.returncode == 1 and "cannot connect" in failed.stderr

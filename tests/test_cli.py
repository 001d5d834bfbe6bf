"""The ``kabar`` script as a new user meets it: run from any folder, before ``kabar migrate``.

Real subprocesses in a temporary working directory with a temporary HOME, so the data dir
kabar picks by itself is the one under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kabar.cli import only_reads
from kabar.config import data_dir

KABAR = Path(sys.executable).with_name("kabar")


def kabar(*args: str, cwd: Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``kabar args…`` with kabar's own defaults: no data dir, database or secret key configured."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KABAR_", "XDG_"))}
    environ.update(HOME=str(home), **env)
    return subprocess.run(
        [str(KABAR), *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    cwd, home = tmp_path / "somewhere", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    return cwd, home


def test_the_data_dir_is_kabar_data_dir_else_the_xdg_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = {"HOME": "/home/ana"}
    assert data_dir(home) == Path("/home/ana/.local/share/kabar")
    assert data_dir({**home, "XDG_DATA_HOME": "/data"}) == Path("/data/kabar")
    assert data_dir({**home, "XDG_DATA_HOME": "relative"}) == Path("/home/ana/.local/share/kabar"), (
        "the XDG spec ignores a relative XDG_DATA_HOME"
    )
    assert data_dir({**home, "KABAR_DATA_DIR": "var"}) == tmp_path.resolve() / "var", "made absolute once"
    assert data_dir({**home, "KABAR_DATA_DIR": "/srv/kabar"}) == Path("/srv/kabar")


def test_help_and_settings_create_nothing(places):
    cwd, home = places
    assert kabar("--help", cwd=cwd, home=home).returncode == 0
    shown = kabar("settings", cwd=cwd, home=home)
    assert shown.returncode == 0 and "(not created yet)" in shown.stdout
    assert list(cwd.iterdir()) == [] and list(home.iterdir()) == [], (
        "nothing created by commands that only read"
    )


def test_kabar_settings_shows_the_data_dir_in_use(monkeypatch, capsys):
    monkeypatch.delenv("KABAR_DATA_DIR")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", "/h")
    call_command("settings")
    assert "/h/.local/share/kabar (not created yet)" in capsys.readouterr().out


def test_an_unmigrated_database_is_one_line_saying_to_migrate(places):
    cwd, home = places
    xdg = home / "data"
    (cwd / "page.html").write_text("<html><head><title>t</title></head><body><p>x</p></body></html>")
    result = kabar("ingest", "page.html", cwd=cwd, home=home, XDG_DATA_HOME=str(xdg))
    database = xdg / "kabar" / "kabar.sqlite3"
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kabar: the database at {database} has no tables yet — run `kabar migrate` "
        "(or `kabar serve`, which migrates)"
    ]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (cwd / "var").exists(), "no data dir where the command happened to run"


def test_the_worker_refuses_an_unmigrated_database_before_its_scheduler_starts(places):
    cwd, home = places
    result = kabar("worker", "--batch", cwd=cwd, home=home, KABAR_DATA_DIR=str(home / "data"))
    assert result.returncode == 2
    assert "has no tables yet — run `kabar migrate`" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout, "the scheduler thread must not have ticked"


def test_an_older_var_database_in_the_working_folder_is_pointed_at(places):
    cwd, home = places
    (cwd / "var").mkdir()
    (cwd / "var" / "kabar.sqlite3").write_bytes(b"")
    result = kabar(
        "createsuperuser", "--noinput", "--username", "a", "--email", "a@b.invalid", cwd=cwd, home=home
    )
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert "has no tables yet — run `kabar migrate`" in line
    assert line.endswith(f"set KABAR_DATA_DIR={cwd.resolve() / 'var'} to use it")


@pytest.mark.parametrize(
    ("argv", "reads_only"),
    [
        (["kabar"], True),
        (["kabar", "--help"], True),
        (["kabar", "help", "ingest"], True),
        (["kabar", "ingest", "--help"], True),
        (["kabar", "settings"], True),
        (["kabar", "version"], True),
        (["kabar", "ingest", "page.html"], False),
        (["kabar", "migrate"], False),
        (["kabar", "serve", "--port", "8080"], False),
    ],
)
def test_which_command_lines_only_read(argv, reads_only):
    assert only_reads(argv) is reads_only


@pytest.mark.parametrize(
    "args",
    [("stories", "rebuild", "--since", "garbage"), ("media", "gc", "--grace-minutes", "-5")],
)
def test_a_misused_option_exits_2_like_every_kabar_command(places, args):
    cwd, home = places
    data = home / "data"
    assert kabar("migrate", "-v0", cwd=cwd, home=home, KABAR_DATA_DIR=str(data)).returncode == 0
    result = kabar(*args, cwd=cwd, home=home, KABAR_DATA_DIR=str(data))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr

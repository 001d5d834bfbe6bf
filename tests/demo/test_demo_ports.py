"""``kabar demo`` / ``make demo`` with a port already taken: one line naming it and how to choose another."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kabar.demo.server import OutletServer, listen_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """An ephemeral loopback port held by a listening socket for the test."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def demo_error(**options: object) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("demo", **options)
    return caught.value


def test_a_taken_outlet_port_names_it_and_how_to_choose_another(taken_port):
    error = demo_error(no_serve=True, outlet_port=taken_port)
    assert error.returncode == 2
    message = str(error)
    assert message.startswith(
        f"port {taken_port} is in use on 127.0.0.1; choose another for the sample outlet: "
    )
    suggested = re.search(r"make demo OUTLET_PORT=(\d+) \(or kabar demo --outlet-port (\d+)\)", message)
    assert suggested and suggested.group(1) == suggested.group(2)
    assert listen_problem("127.0.0.1", int(suggested.group(1))) is None, "the suggested port is free"
    assert "PORT=/--port" in message


def test_a_taken_site_port_is_found_before_anything_is_loaded(taken_port):
    """No database mark: migrating or loading before the check would fail this test on its own."""
    error = demo_error(port=taken_port, outlet_port=0)
    assert error.returncode == 2
    assert str(error).startswith(f"port {taken_port} is in use on 127.0.0.1; choose another: make demo PORT=")
    assert "(or kabar demo --port " in str(error) and "OUTLET_PORT=/--outlet-port" in str(error)


def test_the_site_and_the_outlet_cannot_share_a_port():
    error = demo_error(port=8123, outlet_port=8123, no_serve=True)
    assert error.returncode == 2 and "cannot share port 8123" in str(error)
    assert "make demo PORT=8123 OUTLET_PORT=8124" in str(error)


def test_a_free_port_has_no_listen_problem_and_a_held_one_has(taken_port):
    assert listen_problem("127.0.0.1", taken_port) is not None
    with OutletServer() as server:  # a port that was free binds for real
        port = int(server.url.rsplit(":", 1)[1])
        assert listen_problem("127.0.0.1", port) is not None


def test_an_outlet_server_never_started_stops_without_waiting():
    """The demo stops its outlet server when migrating fails, before the server ever served."""
    stopping = threading.Thread(target=OutletServer().stop, daemon=True)
    stopping.start()
    stopping.join(timeout=10)
    assert not stopping.is_alive(), "stop() waited for a serving loop that never ran"


def make_demo_command(*variables: str) -> str:
    """The command ``make demo`` would run (``make -n``), from a clean environment."""
    printed = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
    ).stdout
    return next(line for line in printed.splitlines() if "kabar demo" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_port_and_outlet_port_and_keeps_the_clones_var():
    chosen = make_demo_command("PORT=8080", "OUTLET_PORT=8766")
    assert chosen.endswith('kabar demo --port "8080" --outlet-port "8766"')
    assert chosen.startswith(f'KABAR_DATA_DIR="{ROOT}/var" ')
    assert make_demo_command().endswith('kabar demo --port "8000" --outlet-port "8765"')

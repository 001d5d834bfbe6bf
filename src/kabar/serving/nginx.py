"""Debian nginx in front of kabar on a loopback port, from ``deploy/nginx/kabar.conf``.

The stack test (tests/deploy) and ``python -m kabar.bench.pages`` run the shipped site config
itself, not a copy: ``site_config`` replaces its marked defaults (the upstream, the listen
address and the three directories) and ``main_config`` wraps it in an ``nginx.conf`` that keeps
nginx in the foreground (``daemon off``) with its pid, logs and temporary files in one folder,
so nginx runs as the current user without touching /etc or /var. ``Nginx`` starts it, waits
until it answers and stops it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# deploy/ sits beside src/ in a checkout (it is not part of the installed package).
TEMPLATE = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "kabar.conf"
# The values deploy/nginx/kabar.conf ships with, as they appear in it.
DEFAULT_UPSTREAM = "server 127.0.0.1:8000;"
DEFAULT_LISTEN = "listen 80;"
DEFAULT_DIRS = {
    "published": "/var/lib/kabar/published",
    "static": "/var/lib/kabar/static",
    "media": "/var/lib/kabar/media",
}
START_SECONDS = 15.0


def binary() -> str | None:
    """Debian's nginx (``/usr/sbin`` is not on every user's PATH), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def site_config(
    *,
    upstream: str,
    port: int,
    published: Path,
    static: Path,
    media: Path,
    template: Path = TEMPLATE,
) -> str:
    """deploy/nginx/kabar.conf pointed at ``upstream`` (host:port), listening on 127.0.0.1:``port``."""
    if not template.is_file():
        raise FileNotFoundError(f"{template} not found: run this from a kabar checkout (deploy/ beside src/)")
    text = template.read_text(encoding="utf-8")
    wanted = {
        DEFAULT_UPSTREAM: f"server {upstream};",
        DEFAULT_LISTEN: f"listen 127.0.0.1:{port};",
        DEFAULT_DIRS["published"]: str(published),
        DEFAULT_DIRS["static"]: str(static),
        DEFAULT_DIRS["media"]: str(media),
    }
    for default, here in wanted.items():
        if default not in text:
            raise ValueError(f"{default!r} is no longer in {template}: update kabar.serving.nginx")
        text = text.replace(default, here)
    return text


def main_config(folder: Path, include: Path, *, workers: int = 1, connections: int = 1024) -> str:
    """An ``nginx.conf`` running in the foreground with everything it writes inside ``folder``."""
    temp = folder / "nginx-temp"
    temp.mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers would switch to "nobody", who cannot read a private temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {include};
}}
"""


@dataclass
class Nginx:
    """One nginx process on ``port``; ``start`` returns once it accepts connections."""

    folder: Path
    site: str  # the site config's text (server blocks for nginx's http {})
    port: int
    workers: int = 1
    connections: int = 1024
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        found = binary()
        if found is None:
            raise FileNotFoundError("nginx is not installed (make wrk-nginx, or apt-get install nginx)")
        self.folder.mkdir(parents=True, exist_ok=True)
        include = self.folder / "kabar-site.conf"
        include.write_text(self.site, encoding="utf-8")
        config = self.folder / "nginx.conf"
        config.write_text(
            main_config(self.folder, include, workers=self.workers, connections=self.connections),
            encoding="utf-8",
        )
        log = self.folder / "nginx-error.log"
        with (self.folder / "nginx-stdout.log").open("wb") as out:
            self.process = subprocess.Popen(
                [found, "-p", str(self.folder), "-c", str(config), "-e", str(log)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                said = (self.folder / "nginx-stdout.log").read_text(errors="replace")
                errors = log.read_text(errors="replace") if log.exists() else ""
                raise RuntimeError(f"nginx did not start on port {self.port}:\n{said}{errors}"[-3000:])
            time.sleep(0.05)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def in_front_of(
    upstream: str,
    folder: Path,
    *,
    published: Path,
    static: Path,
    media: Path,
    workers: int = 1,
    connections: int = 1024,
) -> Iterator[Nginx]:
    """nginx with deploy/nginx/kabar.conf in front of kabar at ``upstream``, on a free port."""
    port = free_port()
    site = site_config(upstream=upstream, port=port, published=published, static=static, media=media)
    with Nginx(folder, site, port, workers=workers, connections=connections) as running:
        yield running

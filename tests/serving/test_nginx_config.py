"""kabar.serving.nginx: the shipped deploy/nginx/kabar.conf, pointed at a test's ports and folders."""

from __future__ import annotations

import pytest

from kabar.serving import nginx


def test_every_shipped_default_is_replaced(tmp_path):
    site = nginx.site_config(
        upstream="127.0.0.1:9001",
        port=9002,
        published=tmp_path / "published",
        static=tmp_path / "static",
        media=tmp_path / "media",
    )
    assert "server 127.0.0.1:9001;" in site and "listen 127.0.0.1:9002;" in site
    assert "/var/lib/kabar" not in site and "listen 80;" not in site
    assert f"root {tmp_path / 'published'};" in site and f"alias {tmp_path / 'static'}/;" in site


def test_a_template_that_lost_a_marked_value_is_an_error_naming_it(tmp_path):
    changed = tmp_path / "kabar.conf"
    changed.write_text(nginx.TEMPLATE.read_text().replace("listen 80;", "listen 8080;"))
    with pytest.raises(ValueError, match="'listen 80;' is no longer in"):
        nginx.site_config(
            upstream="127.0.0.1:1",
            port=2,
            published=tmp_path,
            static=tmp_path,
            media=tmp_path,
            template=changed,
        )


def test_main_config_keeps_everything_nginx_writes_in_the_folder(tmp_path):
    config = nginx.main_config(tmp_path, tmp_path / "site.conf", workers=2, connections=4096)
    assert (
        "daemon off;" in config and "worker_processes 2;" in config and "worker_connections 4096;" in config
    )
    for directive in ("pid", "error_log", "client_body_temp_path", "proxy_temp_path", "include"):
        lines = [line for line in config.splitlines() if line.strip().startswith(directive + " ")]
        assert lines and all(str(tmp_path) in line or "mime.types" in line for line in lines), directive

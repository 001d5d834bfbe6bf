"""The roles come out of `kabar migrate` on a brand-new database, and a second run changes nothing.

Run as a user would: `kabar migrate` in a subprocess on a new SQLite file, and, when
``KABAR_TEST_DATABASE_URL`` names a PostgreSQL server, on a new database created there for
the test (and dropped after). On a fresh database Django makes permissions only after the
last migration, so this is where a data migration that forgot to make them first shows up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from kabar.newsroom.roles import ROLES

REPORT = """
import json
from django.contrib.auth.models import Group
print("ROLES=" + json.dumps({
    g.name: sorted(f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all())
    for g in Group.objects.all()
}))
"""


def kabar(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kabar", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def groups(env: dict[str, str]) -> dict[str, list[str]]:
    out = kabar(env, "shell", "-c", REPORT)
    line = next(line for line in out.splitlines() if line.startswith("ROLES="))
    return json.loads(line.removeprefix("ROLES="))


def expected() -> dict[str, list[str]]:
    """Each role's named permissions, and for ``<app>.*`` every permission of that app's models."""
    from django.apps import apps

    def expand(entry: str) -> list[str]:
        app, codename = entry.split(".", 1)
        if codename != "*":
            return [entry]
        return [
            f"{app}.{action}_{model._meta.model_name}"
            for model in apps.get_app_config(app).get_models()
            for action in model._meta.default_permissions
        ] + [
            f"{app}.{codename}"
            for model in apps.get_app_config(app).get_models()
            for codename, _ in model._meta.permissions
        ]

    return {role: sorted(p for entry in wanted for p in expand(entry)) for role, wanted in ROLES.items()}


def check_fresh_database(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "KABAR_DATA_DIR": str(tmp_path),
        "KABAR_DATABASE_URL": database_url,
        "KABAR_SECRET_KEY": "test",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    kabar(env, "migrate", "-v", "0")
    first = groups(env)
    assert first == expected()  # every named permission granted, the Moderator every comment one
    # Run the roles migration a second time: back to before it, then forward again.
    kabar(env, "migrate", "newsroom", "0001", "-v", "0")
    kabar(env, "migrate", "-v", "0")
    assert groups(env) == first


def test_sqlite(tmp_path):
    check_fresh_database(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    url = os.environ.get("KABAR_TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("KABAR_TEST_DATABASE_URL names no PostgreSQL server")
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(url)
    name = f"kabar_roles_{uuid.uuid4().hex[:10]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql(tmp_path, fresh_postgres):
    check_fresh_database(tmp_path, fresh_postgres)

"""Every model change has its migration: a release whose models and migrations disagree would
make the operator's `kabar migrate` leave the database behind the code (or Django write one on
their machine)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:
        pytest.fail(
            f"models changed without a migration (run `kabar makemigrations <app> --name ...`):\n{out.getvalue()}"
            if missing.code
            else out.getvalue()
        )

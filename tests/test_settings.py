import os

import pytest
from django.core.management import call_command
from django.db import connection

from kabar.config import SETTINGS, env_values, secret_key


def test_every_setting_has_help_and_parses_its_default():
    values = env_values({})
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.name in values
    assert values["KABAR_LANGUAGES"] == ["vi", "en", "id"]
    assert values["KABAR_DEBUG"] is False


def test_environment_overrides_defaults():
    values = env_values({"KABAR_LANGUAGES": "en, id", "KABAR_DEBUG": "yes"})
    assert values["KABAR_LANGUAGES"] == ["en", "id"] and values["KABAR_DEBUG"] is True


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = secret_key(tmp_path, "")
    assert len(first) > 40
    assert secret_key(tmp_path, "") == first
    assert secret_key(tmp_path, "given") == "given"


def test_kabar_settings_command_prints_the_table(capsys):
    call_command("settings")
    out = capsys.readouterr().out
    for setting in SETTINGS:
        assert setting.name in out


@pytest.mark.django_db
def test_database_is_the_one_requested():
    wanted = os.environ.get("KABAR_TEST_DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if wanted.startswith("postgres") else "sqlite")


def test_printed_values_hide_passwords_and_api_keys():
    from kabar.config import redacted

    assert redacted("postgresql://kabar:s3cret@db.example/kabar") == "postgresql://kabar:***@db.example/kabar"
    shown = redacted('{"openai": {"url": "http://127.0.0.1:8080/v1", "api_key": "sk-live", "model": "m"}}')
    assert "sk-live" not in shown and '"api_key": "***"' in shown and "127.0.0.1:8080" in shown
    assert redacted("vi,en,id") == "vi,en,id"

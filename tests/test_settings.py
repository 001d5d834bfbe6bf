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


def test_https_follows_the_site_url_unless_set():
    from kabar.conf.security import transport_settings

    def derived(**env: str) -> dict:
        return transport_settings(env_values(env))

    public = derived(KABAR_SITE_URL="https://news.example/")
    assert public["SESSION_COOKIE_SECURE"] and public["CSRF_COOKIE_SECURE"] and public["SECURE_SSL_REDIRECT"]
    assert public["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert public["SECURE_HSTS_SECONDS"] == 31536000
    assert public["CSRF_TRUSTED_ORIGINS"] == ["https://news.example"]

    local = derived()  # the default http://127.0.0.1:8000, as `kabar demo` serves it
    assert not local["SESSION_COOKIE_SECURE"] and not local["SECURE_SSL_REDIRECT"]
    assert local["SECURE_PROXY_SSL_HEADER"] is None, "nobody sets X-Forwarded-Proto: a client could fake it"
    assert local["SECURE_HSTS_SECONDS"] == 0

    assert not derived(KABAR_SITE_URL="https://news.example", KABAR_HTTPS="false")["SESSION_COOKIE_SECURE"]
    assert derived(KABAR_SITE_URL="http://10.0.0.5:8000", KABAR_HTTPS="yes")["SECURE_SSL_REDIRECT"]


def test_a_misspelt_https_switch_is_an_error_not_a_silent_false():
    with pytest.raises(ValueError, match="expected true or false"):
        env_values({"KABAR_HTTPS": "ture"})

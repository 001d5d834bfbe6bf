"""Extension points: plugins registered by entry points, switched off when not configured, logged."""

import logging

from kabar.hookspecs import ENGINE_GROUP, SOURCE_GROUP, FetchSource, MTEngine, load_plugins, plugin_classes


def test_every_declared_plugin_imports_and_implements_its_protocol():
    sources = plugin_classes(SOURCE_GROUP)
    assert set(sources) == {"feed", "sitemap", "url", "file", "warc", "capture"}
    for name, cls in sources.items():
        assert cls.kind == name
        assert isinstance(cls(), FetchSource)
    assert set(plugin_classes(ENGINE_GROUP)) == {"ctranslate2", "libretranslate", "openai"}


def test_unconfigured_engines_switch_themselves_off_and_say_why(caplog):
    with caplog.at_level(logging.INFO, logger="kabar.plugins"):
        enabled = load_plugins(ENGINE_GROUP, {})
    assert enabled == {}
    disabled = [r.getMessage() for r in caplog.records if "disabled" in r.getMessage()]
    assert len(disabled) == 3 and all("(" in line for line in disabled)


def test_a_configured_engine_is_enabled_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="kabar.plugins"):
        enabled = load_plugins(
            ENGINE_GROUP, {"libretranslate": {"url": "http://127.0.0.1:5000", "languages": ["vi", "en"]}}
        )
    assert list(enabled) == ["libretranslate"] and isinstance(enabled["libretranslate"], MTEngine)
    assert any("libretranslate: enabled" in r.getMessage() for r in caplog.records)

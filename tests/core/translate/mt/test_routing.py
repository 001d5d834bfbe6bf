from collections.abc import Mapping, Sequence
from typing import ClassVar

import pytest

from kabar.core.translate.mt.routing import Hop, NoRoute, RoutePlan, Router
from kabar.hookspecs import MTEngine


class PairsEngine:
    """An engine that only knows its pairs; routing never translates."""

    name: ClassVar[str] = "pairs"
    max_batch = 8
    honours_glossary = False

    def __init__(self, pairs: set[tuple[str, str]], version: str) -> None:
        self._pairs = pairs
        self._version = version

    @property
    def model_version(self) -> str:
        return self._version

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs)

    def translate(
        self, segments: Sequence[str], source: str, target: str, glossary: Mapping[str, str] | None = None
    ) -> list[str]:
        raise AssertionError("routing must not translate")


ENGINES: dict[str, MTEngine] = {
    "ctranslate2": PairsEngine({("vi", "en"), ("en", "id")}, "opus-mt@ab12"),
    "libretranslate": PairsEngine({("vi", "en"), ("en", "vi"), ("en", "fr")}, "lt-1.6"),
    "openai": PairsEngine({("vi", "en"), ("vi", "id"), ("en", "id")}, "gpt-x"),
}


def test_engines_satisfy_the_protocol():
    assert all(isinstance(engine, MTEngine) for engine in ENGINES.values())


def test_first_engine_in_the_target_list_with_the_pair_wins():
    router = Router(ENGINES, {"en": ["libretranslate", "ctranslate2"], "*": ["ctranslate2"]})
    plan = router.plan("vi", "en")
    assert plan == RoutePlan("vi", "en", (Hop("libretranslate", "vi", "en", "lt-1.6"),))
    assert plan.description == "vi→en via libretranslate:lt-1.6"
    assert plan.via is None


def test_star_list_is_tried_after_the_targets_own_list():
    router = Router(ENGINES, {"id": ["libretranslate"], "*": ["openai"]})
    assert router.candidates("id") == ["libretranslate", "openai"]
    assert router.plan("vi", "id").hops[0].engine == "openai"
    assert router.candidates("fr") == ["openai"]  # a target without a list of its own


def test_pivot_when_no_engine_has_the_pair():
    router = Router(ENGINES, {"*": ["ctranslate2"]}, pivot="en")
    plan = router.plan("vi", "id")
    assert [(h.engine, h.source, h.target) for h in plan.hops] == [
        ("ctranslate2", "vi", "en"),
        ("ctranslate2", "en", "id"),
    ]
    assert plan.via == "en"
    assert plan.description == "vi→en→id via ctranslate2:opus-mt@ab12, ctranslate2:opus-mt@ab12"


def test_each_pivot_hop_uses_its_own_targets_route():
    router = Router(ENGINES, {"en": ["libretranslate"], "id": ["ctranslate2"]}, pivot="en")
    plan = router.plan("vi", "id")
    assert [h.label for h in plan.hops] == ["libretranslate:lt-1.6", "ctranslate2:opus-mt@ab12"]


def test_engines_listed_but_not_enabled_are_skipped():
    router = Router(ENGINES, {"en": ["argos", "ctranslate2"]})
    assert router.plan("vi", "en").hops[0].engine == "ctranslate2"


def test_no_route_explains_what_is_configured():
    router = Router(ENGINES, {"fr": ["argos"], "*": ["ctranslate2"]}, pivot="en")
    with pytest.raises(NoRoute) as err:
        router.plan("vi", "fr")
    reason = err.value.reason
    assert "no MT engine translates vi→fr" in reason
    assert "routes['fr']: argos" in reason and "routes['*']: ctranslate2" in reason
    assert "argos: listed in routes but not enabled" in reason
    assert "ctranslate2: en→id, vi→en" in reason
    assert "pivot hop vi→en: ctranslate2:opus-mt@ab12" in reason and "pivot hop en→fr: missing" in reason
    assert str(err.value).startswith("translate: ")


def test_no_pivot_configured_is_said():
    router = Router(ENGINES, {"*": ["ctranslate2"]})
    with pytest.raises(NoRoute, match="no pivot language configured"):
        router.plan("vi", "id")


def test_same_language_is_refused():
    with pytest.raises(NoRoute, match="both 'vi'"):
        Router(ENGINES, {"*": ["openai"]}).plan("vi", "VI")

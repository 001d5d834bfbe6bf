"""Which engine translates which language pair, pivoting where none has it directly.

``routes`` maps a target language to the engine names to try, in order; the
``"*"`` list is tried after a target's own list (and alone for targets without
one). The first engine whose ``pairs()`` has (source, target) wins. When none
does, the plan goes through the pivot language: source -> pivot with the
pivot's own route, then pivot -> target with the target's route. The plan's
``description`` names every hop's engine and model version; it is recorded on
the translated text and is part of translation-memory keys, so a model update
never serves translations made by the old model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kabar.core.errors import StageError
from kabar.hookspecs import MTEngine


class NoRoute(StageError):
    """No configured engine (or pivot) translates the pair."""

    stage = "translate"


@dataclass(frozen=True)
class Hop:
    engine: str  # name in the router's engine mapping
    source: str
    target: str
    model_version: str

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.model_version}"


@dataclass(frozen=True)
class RoutePlan:
    source: str
    target: str
    hops: tuple[Hop, ...]

    @property
    def via(self) -> str | None:
        """The pivot language, when the plan goes through one."""
        return self.hops[0].target if len(self.hops) > 1 else None

    @property
    def description(self) -> str:
        """E.g. ``vi→en→id via ctranslate2:opus-mt-vi-en@ab12, ctranslate2:opus-mt-en-id@cd34``."""
        languages = "→".join([self.source, *(hop.target for hop in self.hops)])
        return f"{languages} via {', '.join(hop.label for hop in self.hops)}"


class Router:
    """Plans routes over a fixed set of engines."""

    def __init__(
        self,
        engines: Mapping[str, MTEngine],
        routes: Mapping[str, Sequence[str]],
        pivot: str | None = None,
    ) -> None:
        self.engines = dict(engines)
        self.routes = {target: list(names) for target, names in routes.items()}
        self.pivot = pivot or None
        # Asked once: an engine's pairs do not change while it is loaded.
        self._pairs = {
            name: {(s.lower(), t.lower()) for s, t in engine.pairs()} for name, engine in engines.items()
        }

    def candidates(self, target: str) -> list[str]:
        """Engine names to try for ``target``, in order (the target's list, then ``"*"``)."""
        names = self.routes.get(target, []) + self.routes.get("*", [])
        return list(dict.fromkeys(names))

    def _direct(self, source: str, target: str) -> Hop | None:
        for name in self.candidates(target):
            if name in self.engines and (source, target) in self._pairs[name]:
                return Hop(name, source, target, _version_for(self.engines[name], source, target))
        return None

    def plan(self, source: str, target: str) -> RoutePlan:
        """The hops that translate ``source`` into ``target``; ``NoRoute`` says why there are none."""
        source, target = source.lower(), target.lower()
        if source == target:
            raise NoRoute(f"source and target language are both {source!r}: nothing to translate")
        direct = self._direct(source, target)
        if direct is not None:
            return RoutePlan(source, target, (direct,))
        pivot = self.pivot
        if pivot and pivot not in (source, target):
            first, second = self._direct(source, pivot), self._direct(pivot, target)
            if first is not None and second is not None:
                return RoutePlan(source, target, (first, second))
        raise NoRoute(self._explain(source, target))

    def _explain(self, source: str, target: str) -> str:
        lines = [f"no MT engine translates {source}→{target}"]
        for key in (target, "*"):
            names = self.routes.get(key)
            lines.append(f"routes[{key!r}]: {', '.join(names) if names else '(none)'}")
        for name in sorted(set(self.candidates(target)) | set(self.engines)):
            if name not in self.engines:
                lines.append(f"{name}: listed in routes but not enabled")
            else:
                pairs = ", ".join(f"{s}→{t}" for s, t in sorted(self._pairs[name])) or "no pairs"
                lines.append(f"{name}: {pairs}")
        if not self.pivot:
            lines.append("no pivot language configured")
        elif self.pivot in (source, target):
            lines.append(f"pivot {self.pivot} is one of the two languages")
        else:
            for a, b in ((source, self.pivot), (self.pivot, target)):
                hop = self._direct(a, b)
                lines.append(f"pivot hop {a}→{b}: {hop.label if hop else 'missing'}")
        return "; ".join(lines)


def _version_for(engine: MTEngine, source: str, target: str) -> str:
    """The version of the model that serves this pair, where an engine holds several.

    Translation-memory keys include it, so adding an unrelated model to an engine
    must not invalidate every stored segment.
    """
    per_pair = getattr(engine, "model_version_for", None)
    return str(per_pair(source, target)) if callable(per_pair) else engine.model_version

"""Querysets built and compiled once per database, then run with other parameter values.

The article page's queries are a few milliseconds of Python to build and compile (subqueries,
JSON aggregates, select_related joins: thousands of expression objects) and a fraction of a
millisecond for the database to answer. Their SQL depends only on the database and on the
*shape* of their parameters, never on the values, so it is made once: the queryset is built with
placeholder values, compiled by Django, and later runs put the real values in the placeholders'
places in the parameter list. Nothing but the SQL text, the parameter positions and the compiler
(for its converters: SQLite's datetimes and JSON as text) is kept; no ``Query`` object is shared
or mutated between requests.

Only exact-value parameters (``str`` and ``int``, and lists of ``int`` for ``__in``) can be
placeholders: a lookup that transforms its value (``__contains`` wraps it in ``%``) would not show
the placeholder in the parameters, and building refuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

Parameter = str | int | Sequence[int]

# Values no real query carries: each placeholder is found again by equality in the compiled parameters.
_INT_BASE = -7_340_000_000_000_000


def _placeholder(kind: type, n: int, m: int = 0) -> str | int:
    if kind is str:
        return f"\x1fkabar-prepared-{n}-{m}\x1f"
    return _INT_BASE - n * 1000 - m


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int, int], ...]  # (position in params, argument, item of a list argument or -1)
    compiler: Any


class PreparedQuery:
    """``build(*args)`` (a queryset) as SQL compiled once per database and argument shape.

    ``build`` must depend on its arguments only, and every argument must reach the SQL as a
    parameter of its own. ``rows(*args)`` returns ``fields`` of every row, as ``values()`` would.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], fields: Sequence[str]) -> None:
        self.build = build
        self.fields = tuple(fields)
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}
        self._lock = threading.Lock()

    def _shape(self, args: tuple[Parameter, ...]) -> tuple[Any, ...]:
        return tuple(type(a) if isinstance(a, str | int) else len(a) for a in args)

    def _compile(self, alias: str, args: tuple[Parameter, ...]) -> _Compiled:
        stand_ins: list[Any] = []
        where: dict[Any, tuple[int, int]] = {}
        for n, arg in enumerate(args):
            if isinstance(arg, bool):
                raise TypeError("a prepared query's parameter is a str, an int or a list of ints")
            if isinstance(arg, str | int):
                value = _placeholder(type(arg), n)
                stand_ins.append(value)
                where[value] = (n, -1)
            else:
                values = [_placeholder(int, n, m) for m in range(len(arg))]
                stand_ins.append(values)
                where.update({v: (n, m) for m, v in enumerate(values)})
        queryset = self.build(*stand_ins).values_list(*self.fields)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for position, param in enumerate(params):
            found = where.get(param) if isinstance(param, str | int) and not isinstance(param, bool) else None
            if found is not None:
                slots.append((position, *found))
        if {(n, m) for _position, n, m in slots} != set(where.values()):
            raise ValueError(f"{self.build!r}: a parameter did not reach the SQL as itself")
        return _Compiled(sql, tuple(params), tuple(slots), compiler)

    def compiled(self, alias: str, args: tuple[Parameter, ...]) -> _Compiled:
        connection = connections[alias]
        key = (alias, connection.vendor, *self._shape(args))
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key) or self._compile(alias, args)
                self._compiled[key] = found
        return found

    def rows(self, *args: Parameter, using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
        compiled = self.compiled(using, args)
        params = list(compiled.params)
        for position, n, m in compiled.slots:
            arg = args[n]
            params[position] = arg if m < 0 else arg[m]  # type: ignore[index]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            results = cursor.fetchall()
        # The compiler that made the SQL knows its columns' converters (as ``values()`` applies them).
        converted = compiled.compiler.results_iter(results=[results])
        return [dict(zip(self.fields, row, strict=True)) for row in converted]

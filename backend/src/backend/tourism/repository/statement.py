"""The hold's statements on PostgreSQL, compiled once at import instead of on every call.

``Table.raw`` builds a piccolo ``QueryString`` per call: it parses the ``{}`` template, checks each
argument and numbers the placeholders again — ~70 µs of a hold's ~250 µs write and a good part of its
visitor read on these machines (BENCHMARKS.md, issue 15). A ``Statement`` is that work done once: the
SQL keeps readable named placeholders (``{slot}``), each name becomes one ``$n`` (a name used three
times is sent once), and the engine gets the finished text. It still runs through the engine's
``run_querystring``, so a transaction in progress is joined, query logging sees it, and so do the
tests that count a hold's statements. PostgreSQL only: on SQLite the ``{}`` form stays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

_NAME = re.compile(r"\{(\w+)\}")


class Compiled(QueryString):
    """A statement already in PostgreSQL's placeholders: piccolo runs it as it is."""

    __slots__ = ()

    def __init__(self, sql: str, args: list[Any]) -> None:
        # QueryString's own fields, set without parsing anything (``compile_string`` answers the
        # frozen pair; ``__str__`` below is for query logs and tests).
        self.template = sql
        self.args = args
        self.columns = []
        self.query_type = "generic"
        self.table = None
        self._alias = None
        self._frozen_compiled_strings = (sql, args)

    def __str__(self) -> str:
        return f"{self.template} -- {self.args!r}"


class Statement:
    """SQL with named placeholders, numbered once: ``await Statement(sql).fetch(engine, values)``."""

    def __init__(self, template: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        self.sql = _NAME.sub(number, template)
        self.names = tuple(names)

    async def fetch(self, engine: Engine[Any], values: Mapping[str, Any]) -> list[Any]:
        """The rows (asyncpg records: ``row["column"]``) of the statement over ``values`` by name."""
        rows: list[Any] = await engine.run_querystring(Compiled(self.sql, [values[n] for n in self.names]))
        return rows

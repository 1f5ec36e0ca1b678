"""What each feature holds about a citizen, and what happens to it: one declaration per feature.

Every feature with tables declares ``Feature(personal_data=PersonalData(...))`` (an architecture test
refuses one that does not, and one that leaves a table unclassified). The declaration names

- ``categories``: what kinds of personal data the feature keeps, why, on what legal basis and for how
  long (PIPL art. 17, 44): the citizen's "what you hold about me" view lists them;
- ``held``: each table holding a citizen's rows (``Held``): the column(s) naming the citizen, or the
  parent table whose citizen the row belongs to; which columns are sealed (opened for the export) or
  never shown (hashes, keys, blind indexes); and what closing the account does to it (``DELETE`` or
  ``RETAIN`` with the columns to scrub);
- ``unrelated``: the feature's tables that hold no citizen's data (catalogues, keys, counters), each
  with why;
- ``blockers``, ``on_closure``, ``consents``: hooks built from the wiring for what a table walk can't
  say (a pending payment blocks a closure; sessions denied in the store; consents withdrawn).

``backend.datarights`` walks every declaration: the export is every held row of the citizen, and the
closure is one transaction that deletes or scrubs them all. Shared infrastructure never imports a
feature: the tables arrive through the declarations.
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from piccolo.table import Table

from backend.crypto import PersonalDataCipher, SealedValueCorrupt

if TYPE_CHECKING:
    from backend.wiring import Wiring


class OnClosure(enum.Enum):
    DELETE = "delete"
    # Kept because a law says so (financial records); ``scrub`` says which columns are blanked.
    RETAIN = "retain"


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """One kind of personal data, as the citizen's view shows it."""

    name: str
    description: str
    purpose: str
    legal_basis: str
    retention: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Held:
    """One table holding citizens' rows."""

    table: type[Table]
    category: str
    # The column(s) naming the citizen; a row is theirs when any of them does.
    citizen: tuple[str, ...] = ("citizen_id",)
    # How the citizen's id appears in those columns: "{}" (the UUID itself) or e.g. "citizen:{}".
    match: str = "{}"
    # Or: the column naming a row of ``parent`` whose citizen this row belongs to, by the parent's
    # primary key or by ``parent_key`` (a car park's stay is its plate's: ``plate_index``).
    parent: tuple[str, type[Table]] | None = None
    parent_key: str | None = None
    # Sealed column → its associated data; ``{id}`` stands for the row's primary key, ``{column}``
    # for another column of the row (``application.material.name:{application_id}``).
    sealed: Mapping[str, str] = field(default_factory=dict)
    # Never in an export: password hashes, keys, blind indexes (meaningless to anyone else).
    omit: tuple[str, ...] = ()
    on_closure: OnClosure = OnClosure.DELETE
    # For ``RETAIN``: column → the value it holds after the closure.
    scrub: Mapping[str, Any] = field(default_factory=dict)
    # Why it is kept (for ``RETAIN``): the law, and for how long; the retention doc repeats it.
    retained_because: str = ""

    @property
    def name(self) -> str:
        return str(self.table._meta.tablename)


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocker:
    """Something that must end before the account can close, named for the citizen."""

    code: str
    detail: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    """A consent the citizen gave that they may withdraw (PIPL art. 15)."""

    name: str
    description: str
    # How many live grants of it there are (0: nothing to withdraw).
    live: int


class ConsentHolder:
    """A feature's consents: listed and withdrawn by name."""

    async def consents(self, citizen_id: uuid.UUID) -> list[Consent]:
        raise NotImplementedError

    async def withdraw(self, citizen_id: uuid.UUID, name: str) -> int:
        """Withdraw consent ``name``; returns how many grants ended."""
        raise NotImplementedError


CitizenStep = Callable[[uuid.UUID], Awaitable[None]]
BlockerCheck = Callable[[uuid.UUID], Awaitable[list[Blocker]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonalData:
    categories: Sequence[Category] = ()
    held: Sequence[Held] = ()
    # Tables with no citizen's data, each with why: ``{Table: "operators' catalogue"}``.
    unrelated: Mapping[type[Table], str] = field(default_factory=dict)
    blockers: Callable[[Wiring], BlockerCheck] | None = None
    # Run after the closure's transaction committed (e.g. deny outstanding tokens in the store);
    # must be safe to repeat: a crash makes the outbox run the closure again.
    on_closure: Callable[[Wiring], CitizenStep] | None = None
    consents: Callable[[Wiring], ConsentHolder] | None = None


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _opened(cipher: PersonalDataCipher, value: Any, column: str) -> Any:
    if not value:
        return value
    try:
        raw = cipher.open_bytes(str(value), column=column)
    except SealedValueCorrupt:
        return None
    try:
        return _json_value(raw.decode())
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode()


class PersonalDataWalk:
    """Every held row of one citizen, through every feature's declaration."""

    def __init__(self, declarations: Sequence[PersonalData], cipher: PersonalDataCipher) -> None:
        self._held = [held for d in declarations for held in d.held]
        self._cipher = cipher

    @property
    def held(self) -> list[Held]:
        return list(self._held)

    async def _parent_ids(self, held: Held, citizen_id: uuid.UUID) -> list[Any]:
        assert held.parent is not None
        parent = next(h for h in self._held if h.table is held.parent[1])
        key = held.parent_key or parent.table._meta.primary_key._meta.name
        rows = await parent.table.select(getattr(parent.table, key)).where(_owned_by(parent, citizen_id))
        return sorted({row[key] for row in rows if row[key]})

    async def _where(self, held: Held, citizen_id: uuid.UUID) -> Any:
        if held.parent is None:
            return _owned_by(held, citizen_id)
        ids = await self._parent_ids(held, citizen_id)
        column = getattr(held.table, held.parent[0])
        # An impossible condition for a citizen with no parent rows (piccolo refuses an empty IN).
        return column.is_in(ids) if ids else column.is_null() & column.is_not_null()

    async def rows(self, held: Held, citizen_id: uuid.UUID) -> list[dict[str, Any]]:
        return list(await held.table.select().where(await self._where(held, citizen_id)))

    async def export(self, citizen_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        """Every held table's rows of the citizen, sealed columns opened, secrets left out."""
        found: dict[str, list[dict[str, Any]]] = {}
        for held in self._held:
            pk = held.table._meta.primary_key._meta.name
            out = []
            for row in await self.rows(held, citizen_id):
                item: dict[str, Any] = {}
                for name, value in row.items():
                    if name in held.omit:
                        continue
                    if name in held.sealed:
                        column = held.sealed[name].format_map({**row, "id": row[pk]})
                        item[name.removesuffix("_sealed")] = _opened(self._cipher, value, column)
                    else:
                        item[name] = _json_value(value)
                out.append(item)
            found[held.name] = out
        return found

    async def erase(self, citizen_id: uuid.UUID) -> dict[str, int]:
        """Delete or scrub every held row of the citizen (call inside one transaction); children
        before their parents. Returns rows touched per table; repeating it touches nothing more."""
        touched: dict[str, int] = {}
        ordered = sorted(self._held, key=lambda h: h.parent is None)
        for held in ordered:
            where = await self._where(held, citizen_id)
            if held.on_closure is OnClosure.DELETE:
                touched[held.name] = await held.table.count().where(where)
                await held.table.delete().where(where)
            elif held.scrub:
                values = {getattr(held.table, name): value for name, value in held.scrub.items()}
                touched[held.name] = await held.table.count().where(where)
                await held.table.update(values).where(where)
        return touched


def _owned_by(held: Held, citizen_id: uuid.UUID) -> Any:
    value: Any = citizen_id if held.match == "{}" else held.match.format(citizen_id)
    where = getattr(held.table, held.citizen[0]) == value
    for name in held.citizen[1:]:
        where = where | (getattr(held.table, name) == value)
    return where

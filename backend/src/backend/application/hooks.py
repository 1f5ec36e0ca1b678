"""Decision hooks: a feature that owns what an item's decision means (the school enrolment's admission)
hears of the department's decision on an application of that item, inside the transaction that
records it, and may tell the citizen itself instead of the generic "办件进度" notice.

    hooks.register("SQ-JY-0001", education.on_decided)   # at wiring, by the owning feature

The hook runs in ``Delivery``'s transaction for the history entry: what it writes commits with the
move or not at all, and a redelivered entry (already applied) never reaches it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.application.lifecycle import Status


@dataclass(frozen=True, slots=True, kw_only=True)
class Decided:
    application_id: uuid.UUID
    citizen_id: uuid.UUID
    item_code: str
    status: Status
    # The department's history entry ("<case>#<n>"): the cause, for notice keys.
    entry: str
    note: str
    # Who decided, when not the department of ``entry`` (a reviewer at a counter: ``staff:<id>``).
    actor: str | None = None


# True when the hook told the citizen (the generic notice is then not sent).
Hook = Callable[[Decided], Awaitable[bool]]


class DecisionHooks:
    def __init__(self) -> None:
        self._hooks: dict[str, Hook] = {}

    def register(self, item_code: str, hook: Hook) -> None:
        if item_code in self._hooks:
            raise ValueError(f"item {item_code} has a decision hook already")
        self._hooks[item_code] = hook

    async def decided(self, decided: Decided) -> bool:
        hook = self._hooks.get(decided.item_code)
        return False if hook is None else await hook(decided)

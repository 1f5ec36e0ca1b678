"""The citizen's disclosure log, persisted: one hash-chained row per issuance, disclosure, decline,
expiry and status change (paths, never values); read back with a head signed by the issuer key.

The row format, the chain and the export are the ``wallet`` library's (wallet/README.md): anyone
holding the export and our JWKS re-verifies it with SHA-256 and a JWS library. Appends happen
inside the transaction of the state change they record, one citizen's appends serialised and a
unique (citizen, seq) index refusing a fork.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

import wallet
from backend.clock import Clock
from backend.licence.keys import LicenceKeys
from backend.licence.repository import LogRepository, serialise


@dataclass(frozen=True, slots=True)
class LogEvent:
    event: str
    kind_code: str
    outcome: str
    verifier_id: str | None = None
    verifier_name: str | None = None
    purpose: str | None = None
    requested: list[str] = field(default_factory=list)
    disclosed: list[str] = field(default_factory=list)
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class LogView:
    entries: list[wallet.LogEntry]
    head: str

    def export(self) -> bytes:
        return wallet.export_log(self.entries, self.head)


def subject(citizen_id: uuid.UUID) -> str:
    return f"citizen:{citizen_id}"


class DisclosureLog:
    def __init__(
        self, *, repository: LogRepository, keys: LicenceKeys, clock: Clock, engine: Engine[Any]
    ) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock
        self._engine = engine

    async def append(self, citizen_id: uuid.UUID, event: LogEvent, *, now: datetime) -> None:
        """Within the caller's transaction: chain one row onto the citizen's log."""
        await serialise(self._engine, f"log:{citizen_id}")
        last = await self._repository.head(citizen_id)
        seq, prev = (last[0], bytes.fromhex(last[1])) if last else (0, wallet.GENESIS)
        row = wallet.LogRow(
            seq=seq + 1,
            time=int(now.timestamp()),
            event=event.event,
            verifier_id=event.verifier_id,
            verifier_name=event.verifier_name,
            purpose=event.purpose,
            licence_type=event.kind_code,
            requested=tuple((name,) for name in event.requested),
            disclosed=tuple((name,) for name in event.disclosed),
            outcome=event.outcome,
        )
        await self._repository.append(citizen_id, row.seq, row.to_json(), wallet.chain_hash(prev, row).hex())

    async def read(self, citizen_id: uuid.UUID) -> LogView:
        """Every row, oldest first, with a head signed now over all of them."""
        now = self._clock.now()
        entries = [
            wallet.LogEntry(wallet.LogRow.from_json(row), bytes.fromhex(digest))
            for row, digest in await self._repository.rows(citizen_id)
        ]
        head = wallet.sign_log_head(
            await self._keys.issuer(now=now),
            sub=subject(citizen_id),
            n=len(entries),
            head=entries[-1].row_hash if entries else wallet.GENESIS,
            iat=int(now.timestamp()),
        )
        return LogView(entries=entries, head=head)

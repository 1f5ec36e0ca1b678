"""Gates that keep working when the network does not (issue 15.3).

An offline gate verifies a ticket's QR itself (the tourism trust list: keys signed by the tourism
anchor) and decides from its own copy of the spot's day: which code ids are valid, in which window,
and which are void or already used. It keeps that copy current through **the feed**, read by cursor:
every ticket of the spot and day in ``(changed_at, id)`` order, each with its state now. A ticket
carries its latest state, so a gate applying the feed twice or out of a crash lands in the same place.

*Why rows stamped ``changed_at`` and a settling window instead of a change log:* every state change of
a ticket (paid, voided, redeemed) already updates its row; a separate log would add a write, and an
ordered one a lock, to the gate's own hot path. A timestamp is not a commit order — a transaction
stamped at t may commit after one stamped t + 1 ms — so the feed only serves rows changed at least
``feed_settle`` (5 s) ago: a transaction commits well within that, or the database would be failing
anyway. A revocation reaches a polling gate within settle + its poll interval.

**Uploads**: the gate later sends what it let in, each scan as the QR it read and the moment. The
server checks the signature at that moment (a gate cannot invent entries), then one conditional
UPDATE redeems the ticket *as of that moment* if it was valid for this spot then and nobody let it in
meanwhile. Otherwise the scan is recorded with why: the same ticket already in through another gate or
at another moment is a ``duplicate`` — flagged for the spot's staff (and audited), since both gates
let a person in. A re-sent batch is recognised (one record per gate, code and moment) and answered
as the first time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import msgspec

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.pagination import decode_cursor, encode_cursor
from backend.tourism.errors import ScanTimeInvalid
from backend.tourism.gates import GateService
from backend.tourism.model import BEIJING, GateOutcome, Spot
from backend.tourism.repository.offline import FeedRow, GateScan, OfflineRepository
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.signing import CodeInvalid, CodeStale

log = logging.getLogger("backend.tourism")

# A gate's clock may run a little fast; a scan later than this after now is refused.
FUTURE_SKEW = timedelta(minutes=5)
# Entries are uploaded within days (a gate offline for a week is a broken gate, not a late upload).
OLDEST_SCAN = timedelta(days=7)


class FeedPage(msgspec.Struct, frozen=True, kw_only=True):
    spot: Spot
    day: str
    items: list[FeedRow]
    next_cursor: str | None
    has_more: bool


class ScanIn(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    scanned_at: datetime


class ScanOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """``accepted``: the entry stands (first time, or the same scan sent again); ``duplicate``: the
    ticket was already in (``first_gate``, ``first_at``); ``void``, ``unknown``, ``wrong_spot``,
    ``outside_window``: the gate should not have let it in; ``code_invalid`` / ``code_expired``: the QR
    did not verify at the moment the gate says it read it."""

    code_id: str | None
    scanned_at: datetime
    outcome: GateOutcome
    ticket_id: uuid.UUID | None = None
    first_gate: str = ""
    first_at: datetime | None = None


class OfflineGates:
    def __init__(
        self,
        *,
        repository: OfflineRepository,
        sales: SalesRepository,
        gates: GateService,
        audit: AuditLog,
        clock: Clock,
        settle: float,
    ) -> None:
        self._repository = repository
        self._sales = sales
        self._gates = gates
        self._audit = audit
        self._clock = clock
        self._settle = timedelta(seconds=settle)

    async def feed(self, gate: Principal, *, day: date | None, cursor: str | None, limit: int) -> FeedPage:
        """The gate's spot's day (today by default), changed after ``cursor``; ``next_cursor`` is where
        to go on from — the same cursor again when nothing changed."""
        spot = await self._gates.spot_of(gate)
        now = self._clock.now()
        when = (day or now.astimezone(BEIJING).date()).isoformat()
        after = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        rows = await self._repository.feed(
            spot.id, when, after=after, settled=now - self._settle, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].changed_at, rows[-1].id) if rows else cursor
        return FeedPage(spot=spot, day=when, items=rows, next_cursor=next_cursor, has_more=more)

    async def upload(self, gate: Principal, scans: Sequence[ScanIn]) -> list[ScanOutcome]:
        """Apply what an offline gate let in, in the order it happened; one outcome per scan."""
        spot = await self._gates.spot_of(gate)
        now = self._clock.now()
        if any(not now - OLDEST_SCAN <= s.scanned_at <= now + FUTURE_SKEW for s in scans):
            raise ScanTimeInvalid()
        return [await self._one(gate, spot, scan, now) for scan in sorted(scans, key=lambda s: s.scanned_at)]

    async def _one(self, gate: Principal, spot: Spot, scan: ScanIn, now: datetime) -> ScanOutcome:
        try:
            code_id = self._gates.signer.read(scan.code, now=int(scan.scanned_at.timestamp()))
        except CodeStale:
            return ScanOutcome(code_id=None, scanned_at=scan.scanned_at, outcome="code_expired")
        except CodeInvalid:
            return ScanOutcome(code_id=None, scanned_at=scan.scanned_at, outcome="code_invalid")
        ticket = await self._repository.redeem_at(
            code_id, spot_id=spot.id, gate=gate.subject, scanned_at=scan.scanned_at, now=now
        )
        first_gate, first_at = "", None
        outcome: GateOutcome
        if ticket is not None:
            outcome = "accepted"
        else:
            ticket = await self._sales.ticket_by_code(code_id)
            if ticket is None:
                outcome = "unknown"
            elif ticket.spot_id != spot.id:
                outcome = "wrong_spot"
            elif ticket.state == "redeemed":
                assert ticket.redeemed_at is not None
                again = ticket.gate == gate.subject and ticket.redeemed_at == scan.scanned_at
                outcome = "accepted" if again else "duplicate"
                first_gate, first_at = ("", None) if again else (ticket.gate, ticket.redeemed_at)
            elif ticket.state == "valid":
                outcome = "outside_window"
            else:
                outcome = "void"
        recorded = await self._repository.record(
            GateScan(
                id=uuid.uuid4(),
                spot_id=spot.id,
                day=ticket.day
                if ticket is not None
                else scan.scanned_at.astimezone(BEIJING).date().isoformat(),
                gate=gate.subject,
                code_id=code_id,
                ticket_id=None if ticket is None else ticket.id,
                scanned_at=scan.scanned_at,
                uploaded_at=now,
                outcome=outcome,
                first_gate=first_gate,
                first_at=first_at,
            )
        )
        if recorded.uploaded_at == now and recorded.outcome == "duplicate":
            log.warning("tourism: ticket %s entered twice at %s", recorded.ticket_id, spot.slug)
            await self._audit.append(
                actor=gate.subject,
                action="tourism.entered_twice",
                subject=f"tourism_ticket:{recorded.ticket_id}",
                data={"spot": spot.slug, "first_gate": recorded.first_gate},
                chain="tourism",
            )
        return ScanOutcome(
            code_id=code_id,
            scanned_at=scan.scanned_at,
            outcome=recorded.outcome,
            ticket_id=recorded.ticket_id,
            first_gate=recorded.first_gate,
            first_at=recorded.first_at,
        )

    async def flags(self, spot_id: uuid.UUID, day: date, *, limit: int = 500) -> list[GateScan]:
        return await self._repository.flags(spot_id, day.isoformat(), limit=limit)

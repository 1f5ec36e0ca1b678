"""E-tickets at the gate: the app shows a rotating signed QR (``signing``), a gate device redeems it
online by one conditional UPDATE (exactly once however many gates scan it at the same moment).

Redemptions are audited through an in-process buffer written in batches (the citizen code's
``AuditBuffer``): the ticket row itself — ``redeemed_at`` and the gate — is the durable record the
UPDATE commits, so the audit row is a copy a crash may lose within one flush window, and the gate's
hot path waits for no hash-chain lock.
"""

from __future__ import annotations

import uuid

from backend.auth.principal import Principal
from backend.clock import Clock
from backend.code.scanning import ScanService
from backend.code.tasks import AuditBuffer
from backend.tourism.errors import (
    CitizenCodeRefused,
    GateUnknown,
    NoTicketHere,
    TicketCodeExpired,
    TicketCodeInvalid,
    TicketNotFound,
    TicketNotValid,
    TicketOutsideWindow,
    TicketUsed,
    TicketVoid,
    TicketWrongSpot,
)
from backend.tourism.model import Spot, Ticket, TicketCode
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.signing import CodeInvalid, CodeStale, TicketSigner
from backend.tourism.spots import SpotService

# The scanner scene of a scenic spot's gate (``backend.scanner.scenes``).
GATE_SCENE = "scenic_spot"


class GateService:
    def __init__(
        self,
        *,
        sales: SalesRepository,
        spots: SpotService,
        signer: TicketSigner,
        codes: ScanService,
        audit: AuditBuffer,
        clock: Clock,
    ) -> None:
        self._codes = codes
        self._sales = sales
        self._spots = spots
        self.signer = signer
        self._audit = audit
        self._clock = clock

    async def ticket(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
        ticket = await self._sales.find_ticket(ticket_id)
        if ticket is None or ticket.citizen_id != citizen_id or ticket.state == "held":
            raise TicketNotFound()
        return ticket

    async def code(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> TicketCode:
        """A fresh signed code for one of the citizen's valid tickets (the app asks again before it
        expires: the QR rotates)."""
        ticket = await self.ticket(citizen_id, ticket_id)
        if ticket.state == "redeemed":
            raise TicketUsed()
        if ticket.state != "valid":
            raise TicketNotValid()
        now = self._clock.now()
        code, expires = self.signer.issue(ticket.code_id, now=int(now.timestamp()))
        return TicketCode(code=code, expires_at=now.fromtimestamp(expires, tz=now.tzinfo))

    async def spot_of(self, gate: Principal) -> Spot:
        if gate.context.get("scene") != GATE_SCENE:
            raise GateUnknown()
        spot = await self._spots.spot_by_slug(gate.context.get("venue", ""))
        if spot is None:
            raise GateUnknown()
        return spot

    async def redeem(self, gate: Principal, code: str) -> Ticket:
        """Let the ticket in: one UPDATE when it passes; a refusal says why."""
        spot = await self.spot_of(gate)
        now = self._clock.now()
        try:
            code_id = self.signer.read(code, now=int(now.timestamp()))
        except CodeStale:
            raise TicketCodeExpired() from None
        except CodeInvalid:
            raise TicketCodeInvalid() from None
        ticket = await self._sales.redeem(code_id, spot_id=spot.id, gate=gate.subject, now=now)
        if ticket is not None:
            self._record(gate, ticket, spot, how="ticket_code")
            return ticket
        found = await self._sales.ticket_by_code(code_id)
        if found is None:
            raise TicketCodeInvalid()
        if found.spot_id != spot.id:
            raise TicketWrongSpot()
        if found.state == "redeemed":
            raise TicketUsed()
        if found.state != "valid":
            raise TicketVoid()
        raise TicketOutsideWindow()

    async def redeem_by_citizen_code(self, gate: Principal, code: str) -> Ticket:
        """刷码入园: the holder shows their citizen code instead of the ticket's; it is verified and
        claimed exactly as at any gate (``ScanService.identify``), then the citizen's own real-name
        ticket for this spot, valid now, is let in — by the same kind of conditional UPDATE. A
        companion's ticket needs its own code (another person's identity)."""
        spot = await self.spot_of(gate)
        citizen_id = await self._codes.identify(gate, code)
        if citizen_id is None:
            raise CitizenCodeRefused()
        ticket = await self._sales.redeem_own(
            citizen_id, spot_id=spot.id, gate=gate.subject, now=self._clock.now()
        )
        if ticket is None:
            raise NoTicketHere()
        self._record(gate, ticket, spot, how="citizen_code")
        return ticket

    def _record(self, gate: Principal, ticket: Ticket, spot: Spot, *, how: str) -> None:
        self._audit.record(
            actor=gate.subject,
            action="tourism.redeemed",
            subject=f"tourism_ticket:{ticket.id}",
            data={"spot": spot.slug, "by": how},
        )

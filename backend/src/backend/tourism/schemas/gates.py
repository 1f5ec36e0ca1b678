"""Tourism's HTTP shapes past the sale: ticket codes and gates (online and offline), waiting lists,
the admission queue, the itinerary."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, token_text
from backend.tourism.model import MAX_TICKETS, FeedState, GateOutcome, WaiterState
from backend.tourism.schemas.sales import (
    TicketWanted,
)


class TicketCodeRead(msgspec.Struct, frozen=True, kw_only=True):
    """Show ``code`` as a QR; ask again before ``expires_at`` (it rotates)."""

    code: Annotated[
        str,
        doc(
            "The ticket's signed code (`SQ1:` then Base45): show it as a QR for the "
            "gate; it rotates, ask again before `expires_at`",
            "SQ1:6BFOXN%TS3DH0YOJ58S4K4",
        ),
    ]
    expires_at: datetime


class Redeem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        Annotated[str, token_text(r"SQ1:[0-9A-Z $%*+./:-]+", max_length=1200)],
        doc("The ticket QR the gate read (`SQ1:` then Base45)", "SQ1:6BFOXN%TS3DH0YOJ58S4K4"),
    ]


class Redeemed(msgspec.Struct, frozen=True, kw_only=True):
    ticket_id: uuid.UUID
    kind: Annotated[
        str,
        doc(
            "The ticket type: `adult`, `child`, `senior` or `free` (the gate may ask "
            "a child or senior for proof of age)",
            "adult",
        ),
    ]
    day: str
    slot_id: uuid.UUID
    redeemed_at: datetime


class TrustListRead(msgspec.Struct, frozen=True, kw_only=True):
    """For offline gates: ``document`` (base64 COSE_Sign1) lists the ticket keys; verify it with
    ``anchor`` (PEM) and then ticket codes with ``citizen_code.Verifier``."""

    issuer: Annotated[str, doc("Who signs the ticket codes: always `suqian-tourism`", "suqian-tourism")]
    anchor: Annotated[
        str,
        doc(
            "The trust anchor's public key (P-256, PEM): verify `document` with it",
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n",
        ),
    ]
    document: Annotated[
        str,
        doc(
            "The ticket keys' list, a COSE_Sign1 in base64: once verified with "
            "`anchor`, it verifies ticket codes offline"
        ),
    ]


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket as an offline gate keeps it: let ``code_id`` in while ``state`` is ``valid`` and the
    moment lies in ``valid_from``..``valid_until``; ``redeemed`` and ``void`` never."""

    code_id: str
    state: Annotated[FeedState, doc("valid (let in once), redeemed or void (never)", "valid")]
    kind: Annotated[str, doc("The ticket type (the gate may ask a child or senior for proof)", "child")]
    valid_from: Annotated[datetime, doc("Let in from this instant")]
    valid_until: Annotated[datetime, doc("…until this instant")]


class GateFeed(msgspec.Struct, frozen=True, kw_only=True):
    """The gate's spot's day, changed after the cursor it sent. Apply ``items`` (each is the ticket's
    state now), keep ``next_cursor``, and ask again at once while ``has_more``, else after a while."""

    spot_id: uuid.UUID
    day: str
    items: list[FeedEntry]
    next_cursor: str | None
    has_more: bool


class GateScanIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        Annotated[str, token_text(r"SQ1:[0-9A-Z $%*+./:-]+", max_length=1200)],
        doc("The ticket QR the gate read", "SQ1:6BFOXN%TS3DH0YOJ58S4K4"),
    ]
    scanned_at: Annotated[datetime, msgspec.Meta(tz=True), doc("When the gate let it in (with its offset)")]


class GateScanBatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scans: Annotated[
        Annotated[list[GateScanIn], msgspec.Meta(min_length=1, max_length=500)],
        doc("What the gate let in while offline, 1-500 scans"),
    ]


class GateScanResult(msgspec.Struct, frozen=True, kw_only=True):
    """``accepted`` (also for a scan sent again), ``duplicate`` (already in through ``first_gate`` at
    ``first_at``: flagged for staff), ``void``, ``unknown``, ``wrong_spot``, ``outside_window``,
    ``code_invalid``, ``code_expired`` (at the moment the gate says it read it)."""

    code_id: str | None
    scanned_at: datetime
    outcome: Annotated[GateOutcome, doc("What became of the entry (see the schema description)", "accepted")]
    ticket_id: uuid.UUID | None
    first_gate: Annotated[str, doc("For a duplicate: the gate that let it in first; else empty", "")]
    first_at: Annotated[datetime | None, doc("For a duplicate: when it was let in first; else null")]


class GateScanResults(msgspec.Struct, frozen=True, kw_only=True):
    results: Annotated[list[GateScanResult], doc("One outcome per scan, in the order they happened")]


class GateFlagRead(msgspec.Struct, frozen=True, kw_only=True):
    """One ticket let in twice: by ``gate`` at ``scanned_at`` (uploaded later) after ``first_gate`` at
    ``first_at``."""

    ticket_id: uuid.UUID | None
    code_id: str
    gate: Annotated[
        str,
        doc(
            "The gate whose upload found the ticket already in", "device:8b0c5f2e-3f7a-4d8e-9a51-2f4c0b1d6e77"
        ),
    ]
    scanned_at: datetime
    uploaded_at: datetime
    first_gate: Annotated[str, doc("The gate that let it in first", "device:1f6a…")]
    first_at: Annotated[datetime | None, doc("When it was let in first")]


class GateFlagPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[GateFlagRead]


class WaitJoin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tickets: Annotated[
        Annotated[list[TicketWanted], msgspec.Meta(min_length=1, max_length=MAX_TICKETS)],
        doc("The tickets you want when places come back, one per visitor (1-10)"),
    ]


class WaiterRead(msgspec.Struct, frozen=True, kw_only=True):
    """``waiting`` (``ahead`` wait before you), ``offered`` (the places are held for you as hold
    ``hold_id``: pay it before it expires), ``lapsed`` (the offer could not be made: a visitor has
    another ticket that day, or was removed) or ``left``."""

    id: uuid.UUID
    slot_id: uuid.UUID
    state: Annotated[WaiterState, doc("waiting, offered, lapsed or left", "waiting")]
    qty: Annotated[int, doc("How many tickets you wait for", 2)]
    ahead: Annotated[int | None, doc("How many wait before you (while waiting; else null)", 3)]
    hold_id: uuid.UUID | None
    created_at: datetime
    offered_at: datetime | None


class WaiterPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[WaiterRead]


class AdmissionOpen(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    rate: Annotated[int, msgspec.Meta(ge=1, le=100_000, description="buyers let through a second")]
    burst: Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="buyers let through at once")] = 0


class AdmissionRuleRead(msgspec.Struct, frozen=True, kw_only=True):
    slot_id: uuid.UUID
    rate: Annotated[int, doc("Buyers let through a second", 200)]
    burst: Annotated[int, doc("Buyers let through at once when it opened", 1000)]
    opened_at: datetime


class AdmissionRead(msgspec.Struct, frozen=True, kw_only=True):
    """``queued`` false: the slot has no queue, hold at once. Else ``admission`` is your pass (hold
    with it within 2 minutes) or null while ``position`` numbers wait before yours: ask again after
    ``retry_after`` seconds (also the ``Retry-After`` header); your number stays yours."""

    queued: Annotated[bool, doc("Whether the slot's sale has an admission queue", True)]
    number: Annotated[int, doc("Your number in the queue (0 when there is none)", 1024)]
    position: Annotated[int, doc("Numbers still waiting before yours", 120)]
    retry_after: Annotated[int, doc("Seconds to wait before asking again (0 when admitted)", 3)]
    admission: Annotated[
        str | None,
        doc(
            "Your pass to hold with, valid 2 minutes; null while waiting",
            "1796112000.q0XJ3mB1oQ8ZfP4wT6yRkA2d",
        ),
    ]


class VisitRead(msgspec.Struct, frozen=True, kw_only=True):
    spot_id: uuid.UUID
    spot_name: Annotated[str, doc("The spot's name", "骆马湖旅游度假区")]
    slot_id: uuid.UUID
    arrive: Annotated[datetime, doc("When to enter")]
    leave: Annotated[datetime, doc("When the visit ends")]
    available: Annotated[int, doc("Places left in the slot now", 37)]


class SkippedRead(msgspec.Struct, frozen=True, kw_only=True):
    """``closed`` (no slots that day), ``no_room`` (no later slot has room for the party), ``no_time``
    (it closes before a visit would end)."""

    spot_id: uuid.UUID
    spot_name: Annotated[str, doc("The spot's name", "宿迁博物馆")]
    reason: Annotated[Literal["closed", "no_room", "no_time"], doc("closed, no_room or no_time", "no_time")]


class ItineraryRead(msgspec.Struct, frozen=True, kw_only=True):
    """A plan, not a purchase: buy each visit's slot to hold the places."""

    day: str
    visits: Annotated[list[VisitRead], doc("The visits in order")]
    skipped: Annotated[list[SkippedRead], doc("The chosen spots that could not fit, with why")]

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from backend.application.lifecycle import Status
from backend.application.service import Delivery
from backend.catalogue.definition import ItemCode
from backend.fields import plain_text


class ApplicationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    item_code: ItemCode


class ApplicationData(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The form as the citizen has it now (autosave): checked in full at submission."""

    data: dict[str, Any]


class Withdrawal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, plain_text(min_length=0, max_length=400)] = ""


class FieldErrorRead(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    message: str
    kind: str


class ApplicationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: str
    item_name: str
    item_version: int
    status: Status
    # The forwarding to the department: "forwarding" while it is retried (never "failed"), "held"
    # when it needs the operators (they are on it), "delivered" with ``case_id``.
    delivery: Delivery
    case_id: str | None
    data: dict[str, Any]
    provenance: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class ApplicationSaved(msgspec.Struct, frozen=True, kw_only=True):
    application: ApplicationRead
    # What submission would refuse now (autosave never refuses).
    errors: list[FieldErrorRead]


class ApplicationSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: str
    item_name: str
    status: Status
    case_id: str | None
    updated_at: datetime


class ApplicationList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ApplicationSummary]


class EventRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    action: str
    from_status: str
    to_status: str
    actor: str
    source: str
    reason: str
    occurred_at: datetime


class EventList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EventRead]


class CallbackReceived(msgspec.Struct, frozen=True, kw_only=True):
    # False when this event id was received before (callbacks are at-least-once).
    fresh: bool

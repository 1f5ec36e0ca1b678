from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

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


SlotKey = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$", max_length=64)]


class LicenceMaterialCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One of your licences (``GET /api/v1/licences``) as the material of ``slot``."""

    slot: SlotKey
    licence_id: uuid.UUID


class MaterialRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    application_id: uuid.UUID
    slot: str
    source: Literal["upload", "licence"]
    # The file's name as you gave it, sanitised, with the extension of what it is; a licence's kind.
    name: str
    # SHA-256 of the file's bytes (of the licence's credential): what the department checks.
    sha256: str
    size: int
    media_type: str
    # A licence material's provenance: which licence, version, status and digests, and when.
    licence: dict[str, Any] | None
    created_at: datetime


class ApplicationSlotRead(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    required: bool
    licence_kinds: list[str]
    upload_kinds: list[str]
    filled: int


class MaterialList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MaterialRead]
    slots: list[ApplicationSlotRead]
    # Required slots still empty: submission answers 422 application.materials_missing until none are.
    missing: list[str]

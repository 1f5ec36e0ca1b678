"""The warning feature's records as its repository reads and writes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none


class WarningRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    publisher_id: uuid.UUID
    organisation: str
    kind: str
    level: str
    districts: list[str]
    title: str
    text: str
    valid_from: datetime
    valid_until: datetime
    state: str
    version: int
    created_at: datetime
    updated_at: datetime


class FanoutRow(msgspec.Struct, frozen=True, kw_only=True):
    warning_id: uuid.UUID
    state: str
    after_citizen: uuid.UUID | None
    generation: int
    planned: int
    started_at: datetime
    planned_at: datetime | None
    finished_at: datetime | None


class Planned(msgspec.Struct, frozen=True):
    """A delivery to write: ``state`` ``planned`` or ``opted_out``."""

    citizen_id: uuid.UUID
    channel: str
    state: str
    reason: str
    due_at: datetime


class Claimed(msgspec.Struct, frozen=True):
    id: int
    warning_id: uuid.UUID
    citizen_id: uuid.UUID


def warning_of(raw: dict[str, Any]) -> WarningRow:
    return WarningRow(
        **{
            **raw,
            "districts": msgspec.json.decode(raw["districts"], type=list[str]),
            "valid_from": as_utc(raw["valid_from"]),
            "valid_until": as_utc(raw["valid_until"]),
            "created_at": as_utc(raw["created_at"]),
            "updated_at": as_utc(raw["updated_at"]),
        }
    )


def fanout_of(raw: dict[str, Any]) -> FanoutRow:
    return FanoutRow(
        **{
            **raw,
            "started_at": as_utc(raw["started_at"]),
            "planned_at": as_utc_or_none(raw["planned_at"]),
            "finished_at": as_utc_or_none(raw["finished_at"]),
        }
    )

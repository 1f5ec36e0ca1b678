from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text

District = Literal["宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县", "湖滨新区", "经开区", "洋河新区"]
Level = Literal["blue", "yellow", "orange", "red"]
Organisation = Literal["meteorological", "water"]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]
Districts = Annotated[list[District], msgspec.Meta(min_length=1, max_length=8)]
Kind = Annotated[str, plain_text(max_length=8)]
Title = Annotated[str, plain_text(max_length=64)]
Text = Annotated[str, plain_text(max_length=500)]


class PublisherCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    staff_id: uuid.UUID
    organisation: Organisation


class PublisherRead(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: uuid.UUID
    organisation: Organisation


class WarningCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``kind`` is one of the organisation's (暴雨, 台风 … for the meteorological bureau; 洪水, 内涝 …
    for the water authority); ``valid_from`` defaults to now; at most 7 days of validity."""

    kind: Kind
    level: Level
    districts: Districts
    text: Text
    valid_until: Moment
    valid_from: Moment | None = None
    # Defaults to "<kind><level>预警" (暴雨红色预警).
    title: Title | None = None


class WarningUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Only the fields given change. A higher level (to orange or red) or a wider area tells the
    citizens not told yet."""

    level: Level | None = None
    districts: Districts | None = None
    title: Title | None = None
    text: Text | None = None
    valid_until: Moment | None = None


class WarningRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    organisation: Organisation
    issuer: str
    kind: str
    level: Level
    districts: list[str]
    title: str
    text: str
    valid_from: datetime
    valid_until: datetime
    state: Literal["active", "cancelled"]
    version: int
    updated_at: datetime


class WarningList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[WarningRead]


class MyWarnings(msgspec.Struct, frozen=True, kw_only=True):
    """The citizen's districts and the warnings in force there (none chosen: none shown)."""

    districts: list[str]
    items: list[WarningRead]


class SubscriptionUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Empty: no district, no warnings pushed.
    districts: Annotated[list[District], msgspec.Meta(max_length=8)]


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    districts: list[str]


class ChannelProgress(msgspec.Struct, frozen=True, kw_only=True):
    """Deliveries on one channel: ``planned`` all written, of which ``sent``, ``failed``, ``skipped``
    (no phone, warning cancelled or expired), ``opted_out`` (the citizen turned the channel off for
    warnings; not counted in ``planned``), and ``pending`` still to go (waiting out quiet hours, or
    being sent)."""

    planned: int
    sent: int
    failed: int
    skipped: int
    opted_out: int
    pending: int


class FanoutProgress(msgspec.Struct, frozen=True, kw_only=True):
    """``state``: ``not_pushed`` (blue/yellow), ``planning``, ``sending``, ``done``, ``cancelled``;
    ``written`` deliveries planning wrote so far (every channel and state)."""

    warning_id: uuid.UUID
    state: str
    written: int
    channels: dict[str, ChannelProgress]

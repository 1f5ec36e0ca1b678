from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, plain_text
from backend.warning.service import Progress

District = Literal["宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县", "湖滨新区", "经开区", "洋河新区"]
Level = Literal["blue", "yellow", "orange", "red"]
Organisation = Literal["meteorological", "water"]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]
Districts = Annotated[list[District], msgspec.Meta(min_length=1, max_length=8)]
Kind = Annotated[str, plain_text(max_length=8)]
Title = Annotated[str, plain_text(max_length=64)]
Text = Annotated[str, plain_text(max_length=500)]

_STAFF_ID = doc("The publisher's staff account id", "5b0f3c2e-8a41-4d6e-9c1f-2a7d9e3b6f10")
_ORGANISATION = doc(
    "The organisation it publishes for: `meteorological` (the meteorological bureau) or `water` (the "
    "water authority)",
    "meteorological",
)
_KIND = "The hazard: one of the organisation's kinds (暴雨, 台风, 高温 … meteorological; 洪水, 内涝 … water)"
_LEVEL = "The level, rising: `blue`, `yellow`, `orange`, `red`; orange and red are pushed to subscribers"
_DISTRICTS = "The districts it covers (1 to 8, Suqian's districts and zones)"
_TITLE = "The headline, e.g. 暴雨红色预警"
_TEXT = "What is happening and what to do, as the publisher wrote it"
_VALID_UNTIL = "When it stops being in force (ISO 8601, UTC); at most 7 days after `valid_from`"
_TEXT_EXAMPLE = "预计未来3小时宿城区将出现50毫米以上降水，请减少外出，远离低洼地带。"


class PublisherCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    staff_id: Annotated[
        uuid.UUID, doc("The staff account (role `publisher`) to bind", "5b0f3c2e-8a41-4d6e-9c1f-2a7d9e3b6f10")
    ]
    organisation: Annotated[Organisation, _ORGANISATION]


class PublisherRead(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: Annotated[uuid.UUID, _STAFF_ID]
    organisation: Annotated[Organisation, _ORGANISATION]


class WarningCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``kind`` is one of the organisation's (暴雨, 台风 … for the meteorological bureau; 洪水, 内涝 …
    for the water authority); ``valid_from`` defaults to now; at most 7 days of validity."""

    kind: Annotated[Kind, doc(_KIND, "暴雨")]
    level: Annotated[Level, doc(_LEVEL, "red")]
    districts: Annotated[Districts, doc(_DISTRICTS, ["宿城区", "宿豫区"])]
    text: Annotated[Text, doc(_TEXT, _TEXT_EXAMPLE)]
    valid_until: Annotated[Moment, doc(_VALID_UNTIL, "2026-07-12T12:00:00Z")]
    valid_from: Annotated[Moment, doc("When it comes into force (ISO 8601, UTC); null: now")] | None = None
    # Defaults to "<kind><level>预警" (暴雨红色预警).
    title: Annotated[Title, doc(_TITLE + "; null: `<kind><level>预警`", "暴雨红色预警")] | None = None


class WarningUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Only the fields given change. A higher level (to orange or red) or a wider area tells the
    citizens not told yet."""

    level: Annotated[Level, doc(_LEVEL + "; null: unchanged", "red")] | None = None
    districts: Annotated[Districts, doc(_DISTRICTS + "; null: unchanged", ["宿城区"])] | None = None
    title: Annotated[Title, doc(_TITLE + "; null: unchanged", "暴雨红色预警")] | None = None
    text: Annotated[Text, doc(_TEXT + "; null: unchanged", _TEXT_EXAMPLE)] | None = None
    valid_until: Annotated[Moment, doc(_VALID_UNTIL + "; null: unchanged", "2026-07-12T18:00:00Z")] | None = (
        None
    )


class WarningRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    organisation: Annotated[Organisation, _ORGANISATION]
    issuer: Annotated[str, doc("Who issued it, as citizens read it", "宿迁市气象台")]
    kind: Annotated[str, doc(_KIND, "暴雨")]
    level: Annotated[Level, doc(_LEVEL, "red")]
    districts: Annotated[list[str], doc("The districts it covers", ["宿城区", "宿豫区"])]
    title: Annotated[str, doc(_TITLE, "暴雨红色预警")]
    text: Annotated[str, doc(_TEXT, _TEXT_EXAMPLE)]
    valid_from: Annotated[datetime, doc("When it came (or comes) into force (ISO 8601, UTC)")]
    valid_until: Annotated[datetime, doc("When it stops being in force (ISO 8601, UTC)")]
    state: Annotated[
        Literal["active", "cancelled"], doc("`active`, or `cancelled` by its publisher", "active")
    ]
    version: int
    updated_at: datetime


class WarningList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[WarningRead]


class MyWarnings(msgspec.Struct, frozen=True, kw_only=True):
    """The citizen's districts and the warnings in force there (none chosen: none shown)."""

    districts: Annotated[list[str], doc("The districts you chose", ["宿城区"])]
    items: list[WarningRead]


class SubscriptionUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Empty: no district, no warnings pushed.
    districts: Annotated[
        list[District],
        msgspec.Meta(max_length=8),
        doc("The districts to be warned for; empty: none", ["宿城区"]),
    ]


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    districts: Annotated[list[str], doc("The districts you are warned for (none: no pushes)", ["宿城区"])]


class ChannelProgress(msgspec.Struct, frozen=True, kw_only=True):
    """Deliveries on one channel: ``planned`` all written, of which ``sent``, ``failed``, ``skipped``
    (no phone, warning cancelled or expired), ``opted_out`` (the citizen turned the channel off for
    warnings; not counted in ``planned``), and ``pending`` still to go (waiting out quiet hours, or
    being sent)."""

    planned: Annotated[int, doc("Deliveries written for this channel (not the opted-out)", 1200)]
    sent: Annotated[int, doc("Of those, sent", 1150)]
    failed: Annotated[int, doc("Of those, refused by the channel or lost mid-send (not repeated)", 3)]
    skipped: Annotated[int, doc("Of those, not sent: no phone, or the warning was cancelled or expired", 7)]
    opted_out: Annotated[int, doc("Citizens who turned this channel off for warnings", 12)]
    pending: Annotated[int, doc("Of those, still to go: waiting out quiet hours or being sent", 40)]


class FanoutProgress(msgspec.Struct, frozen=True, kw_only=True):
    """``state``: ``not_pushed`` (blue/yellow), ``planning``, ``sending``, ``done``, ``cancelled``;
    ``written`` deliveries planning wrote so far (every channel and state)."""

    warning_id: Annotated[uuid.UUID, doc("The warning", "0c9d7e55-3f1a-4b2c-8e6d-71a2b3c4d5e6")]
    state: Annotated[
        str, doc("`not_pushed` (blue/yellow), `planning`, `sending`, `done` or `cancelled`", "sending")
    ]
    written: Annotated[int, doc("Deliveries planning wrote so far (every channel and state)", 1212)]
    channels: Annotated[dict[str, ChannelProgress], doc("Progress per channel (`wechat`, `sms`)")]


def fanout_progress(warning_id: uuid.UUID, found: Progress) -> FanoutProgress:
    """A warning's fan-out as ``/progress`` answers it (and the console shows it): per channel, the
    deliveries by state summed as ``ChannelProgress`` says."""
    channels = {}
    for channel, counts in found.channels.items():
        channels[channel] = ChannelProgress(
            planned=sum(n for state, n in counts.items() if state != "opted_out"),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            skipped=counts.get("skipped", 0),
            opted_out=counts.get("opted_out", 0),
            pending=counts.get("planned", 0) + counts.get("sending", 0),
        )
    return FanoutProgress(warning_id=warning_id, state=found.state, written=found.planned, channels=channels)

"""A hotel's property-management system (PMS, 酒店管理系统) on the wire: self check-in assigns a room
and answers the door's key code. Dates are the hotel's local ``YYYY-MM-DD``."""

from __future__ import annotations

import msgspec


class CheckIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """We ask the PMS to check a guest in: the booking (our reference), its room type and nights,
    and the guest's real identity, which the hotel must register (旅馆业治安管理: every guest's ID)."""

    booking_ref: str
    room_type: str
    arrival: str
    departure: str
    guest_name: str
    guest_id_number: str


class RoomKey(msgspec.Struct, frozen=True, kw_only=True):
    """The room the PMS assigned and the door's key code (valid until check-out time)."""

    booking_ref: str
    room_no: str
    key_code: str
    valid_until: str

"""The hotel feature's errors.

NotFound (404)      HotelNotFound            hotel.not_found
                    RoomTypeNotFound         hotel.room_type_not_found
                    HotelBookingNotFound     hotel.booking_not_found (not the caller's, or none)
Conflict (409)      HotelCodeTaken           hotel.code_taken
                    RoomTypeCodeTaken        hotel.room_type_code_taken
                    SoldOut                  hotel.sold_out (a night of the stay has no room left)
                    BookingNotCancellable    hotel.booking_not_cancellable
                    BookingNotConfirmed      hotel.booking_not_confirmed (unpaid, cancelled, expired)
                    CheckInNotOpen           hotel.check_in_not_open (not within the stay's days)
                    NoRoomReady              hotel.no_room_ready (the PMS has no room of the type free)
                    PmsRefused               hotel.pms_refused
Forbidden (403)     IdentityMismatch         hotel.identity_mismatch
Invalid (422)       StayInvalid              hotel.stay_invalid
Unavailable (503)   PmsUnavailable           hotel.pms_unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable


class HotelNotFound(NotFound):
    code = "hotel.not_found"
    detail = "No such hotel"


class RoomTypeNotFound(NotFound):
    code = "hotel.room_type_not_found"
    detail = "No such room type"


class HotelBookingNotFound(NotFound):
    code = "hotel.booking_not_found"
    detail = "You have no such hotel booking"


class HotelCodeTaken(Conflict):
    code = "hotel.code_taken"
    detail = "A hotel with this PMS code exists"


class RoomTypeCodeTaken(Conflict):
    code = "hotel.room_type_code_taken"
    detail = "The hotel has a room type with this code"


class SoldOut(Conflict):
    code = "hotel.sold_out"
    detail = "No room of this type is left for every night of the stay"


class BookingNotCancellable(Conflict):
    code = "hotel.booking_not_cancellable"
    detail = "This booking can no longer be cancelled"


class BookingNotConfirmed(Conflict):
    code = "hotel.booking_not_confirmed"
    detail = "Only a paid booking can be checked into"


class CheckInNotOpen(Conflict):
    code = "hotel.check_in_not_open"
    detail = "Self check-in opens on the day of arrival and closes on the day of departure"


class NoRoomReady(Conflict):
    code = "hotel.no_room_ready"
    detail = "No room of this type is ready yet; try again shortly or ask at the front desk"


class PmsRefused(Conflict):
    code = "hotel.pms_refused"
    detail = "The hotel's system refused the check-in; please ask at the front desk"


class IdentityMismatch(Forbidden):
    code = "hotel.identity_mismatch"
    detail = "The name and ID number are not the booking guest's"


class StayInvalid(Invalid):
    code = "hotel.stay_invalid"
    detail = "A stay is 1-30 nights, arriving from today up to 180 days ahead"


class PmsUnavailable(Unavailable):
    code = "hotel.pms_unavailable"
    detail = "The hotel's system can't be reached; try again shortly"
    retry_after = 5

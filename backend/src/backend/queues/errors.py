"""The queues feature's errors: halls, slots and bookings, numbers, counters.

NotFound (404)   HallNotFound, ServiceNotFound, CounterNotFound, SlotNotFound, BookingNotFound,
                 TicketNotFound
Conflict (409)   SlotFull, SlotPast, AlreadyBooked, BookingNotActive, BookingPaused, TicketExists,
                 NobodyWaiting, NoCurrentTicket, RecallLimit, GraceNotOver, NotWaiting, PrefixTaken,
                 VenueTaken
Forbidden (403)  CounterNotYours, KioskNotHere
Invalid (422)    CheckInOutsideWindow, HallCodeInvalid, ServiceNotInHall, CodeNotAccepted,
                 ScheduleInvalid, PriorityNotAllowed, PartyBandInvalid, NoTableForParty
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound


class HallNotFound(NotFound):
    code = "queue.hall_not_found"
    detail = "No such hall"


class ServiceNotFound(NotFound):
    code = "queue.service_not_found"
    detail = "No such service"


class CounterNotFound(NotFound):
    code = "queue.counter_not_found"
    detail = "No such counter"


class SlotNotFound(NotFound):
    code = "queue.slot_not_found"
    detail = "No such slot"


class BookingNotFound(NotFound):
    """Another citizen's booking is not found either."""

    code = "queue.booking_not_found"
    detail = "You have no such booking"


class TicketNotFound(NotFound):
    """Another citizen's ticket is not found either."""

    code = "queue.ticket_not_found"
    detail = "You have no such ticket"


class SlotFull(Conflict):
    code = "queue.slot_full"
    detail = "This slot is fully booked"


class SlotPast(Conflict):
    code = "queue.slot_past"
    detail = "This slot has already started"


class AlreadyBooked(Conflict):
    """One active booking per citizen, service and day (a unique index decides)."""

    code = "queue.already_booked"
    detail = "You already have a booking for this service on that day"


class BookingNotActive(Conflict):
    code = "queue.booking_not_active"
    detail = "This booking was cancelled, used or missed"


class BookingPaused(Conflict):
    """The no-show policy: 3 missed bookings or numbers within 30 days pause booking for 7 days."""

    code = "queue.booking_paused"
    detail = "Booking is paused after repeated no-shows"


class TicketExists(Conflict):
    """One live number per citizen, service and day (a unique index decides)."""

    code = "queue.ticket_exists"
    detail = "You already hold a number for this service today"


class NobodyWaiting(Conflict):
    code = "queue.nobody_waiting"
    detail = "Nobody is waiting for the services of this counter"


class NoCurrentTicket(Conflict):
    code = "queue.no_current_ticket"
    detail = "This counter has called nobody"


class RecallLimit(Conflict):
    code = "queue.recall_limit"
    detail = "This number was recalled as often as the hall allows: skip it"


class GraceNotOver(Conflict):
    """A no-show is skipped only after the hall's grace period and its recalls."""

    code = "queue.grace_not_over"
    detail = "The grace period or the recalls are not used up yet"


class NotWaiting(Conflict):
    code = "queue.not_waiting"
    detail = "This number is no longer waiting"


class PrefixTaken(Conflict):
    code = "queue.prefix_taken"
    detail = "Another service of this hall has this number prefix"


class VenueTaken(Conflict):
    code = "queue.venue_taken"
    detail = "Another hall has this venue"


class CounterNotYours(Forbidden):
    """A counter of a hall the staff member is not assigned to."""

    code = "queue.counter_not_yours"
    detail = "This counter belongs to a hall you are not assigned to"


class KioskNotHere(Forbidden):
    """A device whose venue is no hall's."""

    code = "queue.kiosk_not_here"
    detail = "This device is not a kiosk of any hall"


class CheckInOutsideWindow(Invalid):
    code = "queue.check_in_outside_window"
    detail = "Check-in opens shortly before the booked time and closes shortly after it"


class HallCodeInvalid(Invalid):
    code = "queue.hall_code_invalid"
    detail = "This is not the code of the hall's poster"


class ServiceNotInHall(Invalid):
    code = "queue.service_not_in_hall"
    detail = "A service named is not one of this hall"


class CodeNotAccepted(Invalid):
    """The kiosk could not identify a citizen by the code: expired, forged, replayed or restricted."""

    code = "queue.code_not_accepted"
    detail = "The citizen code was not accepted"


class ScheduleInvalid(Invalid):
    code = "queue.schedule_invalid"
    detail = "Opening hours must open before they close, within the day"


class PriorityNotAllowed(Invalid):
    code = "queue.priority_not_allowed"
    detail = "This hall does not serve that priority band"


class PartyBandInvalid(Invalid):
    code = "queue.party_band_invalid"
    detail = (
        "A restaurant's services are party-size bands: party_min <= party_max, not overlapping another "
        "band of the hall; other halls' services have none"
    )


class NoTableForParty(Invalid):
    code = "queue.no_table_for_party"
    detail = "This restaurant seats no party of that size"

"""The tourism feature's errors.

NotFound (404)     SpotNotFound          tourism.spot_not_found
                   SlotNotFound          tourism.slot_not_found
                   VisitorNotFound       tourism.visitor_not_found
                   HoldNotFound          tourism.hold_not_found
                   TicketNotFound        tourism.ticket_not_found
                   WaiterNotFound        tourism.waiter_not_found
Conflict (409)     SoldOut               tourism.sold_out
                   IdLimitReached        tourism.id_limit_reached
                   SlotClosed            tourism.slot_closed
                   VisitorExists         tourism.visitor_exists
                   VisitorInUse          tourism.visitor_in_use
                   HoldExpired           tourism.hold_expired
                   HoldNotPayable        tourism.hold_not_payable
                   HoldNotCancellable    tourism.hold_not_cancellable
                   CancelTooLate         tourism.cancel_too_late
                   TicketNotValid        tourism.ticket_not_valid
                   TicketUsed            tourism.ticket_used
                   TicketOutsideWindow   tourism.ticket_outside_window
                   TicketWrongSpot       tourism.ticket_wrong_spot
                   TicketVoid            tourism.ticket_void
                   SpotExists            tourism.spot_exists
                   NoTicketHere          tourism.no_ticket_here
                   AlreadyWaiting        tourism.already_waiting
                   WaitlistNotNeeded     tourism.waitlist_not_needed
                   AdmissionRequired     tourism.admission_required
                   CapacityBelowTaken    tourism.capacity_below_taken
Forbidden (403)    GateUnknown           tourism.gate_unknown
Invalid (422)      ProductUnknown        tourism.product_unknown
                   VisitorUnknown        tourism.visitor_unknown
                   ProductNotForVisitor  tourism.product_not_for_visitor
                   TicketsInvalid        tourism.tickets_invalid
                   IdNumberInvalid       tourism.id_number_invalid
                   TicketCodeInvalid     tourism.ticket_code_invalid
                   TicketCodeExpired     tourism.ticket_code_expired
                   SpotInvalid           tourism.spot_invalid
                   CitizenCodeRefused    tourism.citizen_code_refused
                   ScanTimeInvalid       tourism.scan_time_invalid
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound


class SpotNotFound(NotFound):
    code = "tourism.spot_not_found"
    detail = "No such scenic spot"


class SlotNotFound(NotFound):
    code = "tourism.slot_not_found"
    detail = "No such entry slot"


class VisitorNotFound(NotFound):
    code = "tourism.visitor_not_found"
    detail = "You have no such visitor"


class HoldNotFound(NotFound):
    code = "tourism.hold_not_found"
    detail = "You have no such ticket purchase"


class TicketNotFound(NotFound):
    code = "tourism.ticket_not_found"
    detail = "No such ticket"


class SoldOut(Conflict):
    code = "tourism.sold_out"
    detail = "This slot is sold out"


class IdLimitReached(Conflict):
    code = "tourism.id_limit_reached"
    detail = "A visitor already has a ticket for this spot on this day (one per ID number a day)"


class SlotClosed(Conflict):
    code = "tourism.slot_closed"
    detail = "This slot is no longer on sale"


class VisitorExists(Conflict):
    code = "tourism.visitor_exists"
    detail = "You have added this ID number already"


class VisitorInUse(Conflict):
    code = "tourism.visitor_in_use"
    detail = "This visitor holds a live ticket; remove them after the visit"


class HoldExpired(Conflict):
    code = "tourism.hold_expired"
    detail = "This purchase was not paid in time; its places were released"


class HoldNotPayable(Conflict):
    code = "tourism.hold_not_payable"
    detail = "This purchase is paid, cancelled or refunded"


class HoldNotCancellable(Conflict):
    code = "tourism.hold_not_cancellable"
    detail = "This purchase can't be cancelled (a ticket was used, or it is closed)"


class CancelTooLate(Conflict):
    code = "tourism.cancel_too_late"
    detail = "Paid tickets can be cancelled only until shortly before their slot starts"


class TicketNotValid(Conflict):
    code = "tourism.ticket_not_valid"
    detail = "This ticket is not paid, or no longer valid"


class TicketUsed(Conflict):
    code = "tourism.ticket_used"
    detail = "This ticket was used already"


class TicketOutsideWindow(Conflict):
    code = "tourism.ticket_outside_window"
    detail = "This ticket is not valid at this time"


class TicketWrongSpot(Conflict):
    code = "tourism.ticket_wrong_spot"
    detail = "This ticket is for another scenic spot"


class TicketVoid(Conflict):
    code = "tourism.ticket_void"
    detail = "This ticket was cancelled, refunded or never paid"


class SpotExists(Conflict):
    code = "tourism.spot_exists"
    detail = "A spot with this slug exists"


class GateUnknown(Forbidden):
    code = "tourism.gate_unknown"
    detail = "This device is not a gate of a scenic spot"


class ProductUnknown(Invalid):
    code = "tourism.product_unknown"
    detail = "The spot has no such ticket type"


class VisitorUnknown(Invalid):
    code = "tourism.visitor_unknown"
    detail = "The purchase names a visitor you have not added"


class ProductNotForVisitor(Invalid):
    code = "tourism.product_not_for_visitor"
    detail = "This ticket type is not for this visitor's age"


class TicketsInvalid(Invalid):
    code = "tourism.tickets_invalid"
    detail = "A purchase is 1-10 tickets, one per visitor"


class IdNumberInvalid(Invalid):
    code = "tourism.id_number_invalid"
    detail = "Not a valid resident ID number"


class TicketCodeInvalid(Invalid):
    code = "tourism.ticket_code_invalid"
    detail = "Not a ticket code of ours (malformed, or its signature does not verify)"


class TicketCodeExpired(Invalid):
    code = "tourism.ticket_code_expired"
    detail = "This ticket code has expired; the visitor's app shows a fresh one"


class CapacityBelowTaken(Conflict):
    code = "tourism.capacity_below_taken"
    detail = "The slot has more places held and sold than that capacity: choose at least as many"


class SpotInvalid(Invalid):
    code = "tourism.spot_invalid"
    detail = "Opening hours must fit in a day and hold at least one slot"


class NoTicketHere(Conflict):
    code = "tourism.no_ticket_here"
    detail = "This citizen has no ticket of their own for this spot valid now"


class CitizenCodeRefused(Invalid):
    code = "tourism.citizen_code_refused"
    detail = "The citizen code does not pass at this gate (expired, replayed, revoked or restricted)"


class ScanTimeInvalid(Invalid):
    code = "tourism.scan_time_invalid"
    detail = "A scan's scanned_at lies in the future or more than seven days back"


class WaiterNotFound(NotFound):
    code = "tourism.waiter_not_found"
    detail = "You have no such place in a waiting list"


class AlreadyWaiting(Conflict):
    code = "tourism.already_waiting"
    detail = "You are already waiting for this slot"


class WaitlistNotNeeded(Conflict):
    code = "tourism.waitlist_not_needed"
    detail = "The slot has places left: buy a ticket instead of waiting"


class AdmissionRequired(Conflict):
    code = "tourism.admission_required"
    detail = "This slot's sale admits buyers in turn: take a number at its admission queue first"

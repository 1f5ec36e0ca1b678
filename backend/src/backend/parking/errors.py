"""The parking feature's errors.

NotFound (404)      LotNotFound            parking.lot_not_found
                    PlateNotFound          parking.plate_not_found (not one the caller linked)
                    ReservationNotFound    parking.reservation_not_found
                    StayNotFound           parking.stay_not_found (not a stay of the caller's plates)
Conflict (409)      LotCodeTaken           parking.lot_code_taken
                    PlateLinked            parking.plate_linked
                    LotFull                parking.lot_full (an hour of the window has no bay left)
                    ReservationNotActive   parking.reservation_not_active
                    NothingToPay           parking.nothing_to_pay
                    StayClosed             parking.stay_closed (the car has left)
Invalid (422)       PlateInvalid           parking.plate_invalid
                    WindowInvalid          parking.window_invalid
                    BaysInvalid            parking.bays_invalid
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound


class LotNotFound(NotFound):
    code = "parking.lot_not_found"
    detail = "No such car park"


class PlateNotFound(NotFound):
    code = "parking.plate_not_found"
    detail = "You have linked no such plate"


class ReservationNotFound(NotFound):
    code = "parking.reservation_not_found"
    detail = "You have no such parking reservation"


class StayNotFound(NotFound):
    code = "parking.stay_not_found"
    detail = "No such stay of a plate you linked"


class LotCodeTaken(Conflict):
    code = "parking.lot_code_taken"
    detail = "A car park with this gate platform code exists"


class PlateLinked(Conflict):
    code = "parking.plate_linked"
    detail = "You have linked this plate already"


class LotFull(Conflict):
    code = "parking.lot_full"
    detail = "No reservable bay is left for every hour of the window"


class ReservationNotActive(Conflict):
    code = "parking.reservation_not_active"
    detail = "This reservation is used, cancelled or expired"


class NothingToPay(Conflict):
    code = "parking.nothing_to_pay"
    detail = "Nothing is due for this stay now"


class StayClosed(Conflict):
    code = "parking.stay_closed"
    detail = "The car has left; this stay is closed"


class PlateInvalid(Invalid):
    code = "parking.plate_invalid"
    detail = "A plate is a province, a letter and 5 characters (6 on a new-energy plate): 苏N12345, 苏ND12345"


class WindowInvalid(Invalid):
    code = "parking.window_invalid"
    detail = "A reservation starts within 7 days, ends after it starts and lasts at most 24 hours"


class BaysInvalid(Invalid):
    code = "parking.bays_invalid"
    detail = "A car park has 1-5000 bays with distinct codes"

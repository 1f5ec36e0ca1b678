"""The utility feature's errors.

NotFound (404)      AccountNotFound        utility.account_not_found (not the caller's, or unknown there)
                    UtilityPaymentNotFound utility.payment_not_found
Conflict (409)      AccountLinked          utility.account_linked
                    BillPaid               utility.bill_paid
Invalid (422)       AccountNoInvalid       utility.account_no_invalid
                    BillUnknown            utility.bill_unknown
Unavailable (503)   UtilityUnavailable     utility.unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, Unavailable


class AccountNotFound(NotFound):
    code = "utility.account_not_found"
    detail = "No such utility account"


class BillUnknown(Invalid):
    """The body names a bill the account does not have (the path's account exists: not a 404)."""

    code = "utility.bill_unknown"
    detail = "This account has no such bill"


class UtilityPaymentNotFound(NotFound):
    code = "utility.payment_not_found"
    detail = "You have no such utility payment"


class AccountLinked(Conflict):
    code = "utility.account_linked"
    detail = "You have linked this account already"


class BillPaid(Conflict):
    code = "utility.bill_paid"
    detail = "This bill is paid"


class AccountNoInvalid(Invalid):
    code = "utility.account_no_invalid"
    detail = "An account number (户号) is 6-20 letters and digits"


class UtilityUnavailable(Unavailable):
    code = "utility.unavailable"
    detail = "The utility's billing system can't be reached; try again shortly"
    retry_after = 5

"""The warning feature's errors.

NotFound (404)      WarningNotFound          warning.not_found
                    PublisherNotFound        warning.publisher_not_found (no such staff account)
Conflict (409)      WarningCancelled         warning.cancelled (a cancelled warning can't change)
                    PublisherTaken           warning.publisher_taken (the account is bound already)
Forbidden (403)     PublisherUnbound         warning.publisher_unbound (no organisation bound)
                    KindNotYours             warning.kind_not_yours (another organisation's kind)
                    NotYourWarning           warning.not_your_warning (another organisation's)
Invalid (422)       DistrictUnknown          warning.district_unknown
                    KindUnknown              warning.kind_unknown
                    ValidityInvalid          warning.validity_invalid
                    NotAPublisher            warning.not_a_publisher (the account's role isn't publisher)
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound


class WarningNotFound(NotFound):
    code = "warning.not_found"
    detail = "No such warning"


class PublisherNotFound(NotFound):
    code = "warning.publisher_not_found"
    detail = "No such staff account"


class WarningCancelled(Conflict):
    code = "warning.cancelled"
    detail = "The warning was cancelled; publish a new one"


class PublisherTaken(Conflict):
    code = "warning.publisher_taken"
    detail = "This account publishes for an organisation already"


class PublisherUnbound(Forbidden):
    code = "warning.publisher_unbound"
    detail = "Your account is not bound to a publishing organisation; ask an operator"


class KindNotYours(Forbidden):
    code = "warning.kind_not_yours"
    detail = "Your organisation does not publish this kind of warning"


class NotYourWarning(Forbidden):
    code = "warning.not_your_warning"
    detail = "Another organisation published this warning"


class DistrictUnknown(Invalid):
    code = "warning.district_unknown"
    detail = "Not one of Suqian's districts"


class KindUnknown(Invalid):
    code = "warning.kind_unknown"
    detail = "Not a kind of warning we know"


class ValidityInvalid(Invalid):
    code = "warning.validity_invalid"
    detail = "A warning is valid from now (or later) for at most 7 days, and ends after it starts"


class NotAPublisher(Invalid):
    code = "warning.not_a_publisher"
    detail = "Only a staff account with the publisher role can be bound to an organisation"

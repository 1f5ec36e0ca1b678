"""The credit feature's errors.

NotFound (404)      CreditSubjectUnknown      credit.subject_unknown (the platform holds no record of you)
                    ObjectionNotFound         credit.objection_not_found (not the caller's, or none)
Conflict (409)      ObjectionExists           credit.objection_exists (one objection per record)
Invalid (422)       DisclosureQueryInvalid    credit.query_invalid
Unavailable (503)   CreditUnavailable         credit.unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, Unavailable


class CreditSubjectUnknown(NotFound):
    code = "credit.subject_unknown"
    detail = "The public credit platform holds no record of you"


class ObjectionNotFound(NotFound):
    code = "credit.objection_not_found"
    detail = "You have no such credit objection"


class ObjectionExists(Conflict):
    code = "credit.objection_exists"
    detail = "You have already objected to this record"


class DisclosureQueryInvalid(Invalid):
    code = "credit.query_invalid"
    detail = "Search by a unified social credit code or at least two characters of a name"


class CreditUnavailable(Unavailable):
    code = "credit.unavailable"
    detail = "The public credit platform can't be reached; try again shortly"
    retry_after = 5

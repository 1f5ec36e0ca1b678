"""The citizen feature's errors: real-name registration and the citizen's own record.

NotFound (404)          CitizenNotFound      citizen.not_found
Unauthenticated (401)   NotRegistered        citizen.not_registered (a right SMS login code, no account)
Conflict (409)
├── AlreadyRegistered   citizen.already_registered (the ID number; never says which phone holds it)
└── PhoneTaken          citizen.phone_taken
Invalid (422)
├── IdNumberInvalid     citizen.id_number_invalid (checksum, date, region: the reason is in the detail)
├── NameInvalid         citizen.name_invalid
├── IdentityMismatch    citizen.identity_mismatch   ┐
├── IdentityNotFound    citizen.identity_not_found  ├ the population registry's verdicts
└── IdentityDeceased    citizen.identity_deceased   ┘
RateLimited (429)       RegisterRateLimited  citizen.register_rate_limited
Unavailable (503)       RegistryUnavailable  citizen.registry_unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, RateLimited, Unauthenticated, Unavailable


class CitizenNotFound(NotFound):
    code = "citizen.not_found"
    detail = "No such citizen"


class NotRegistered(Unauthenticated):
    """A right SMS login code for a phone without an account: the caller proved they hold the phone,
    so saying it has no account leaks nothing."""

    code = "citizen.not_registered"
    detail = "This phone number has no account; register"


class AlreadyRegistered(Conflict):
    code = "citizen.already_registered"
    detail = "This ID number is already registered"


class PhoneTaken(Conflict):
    code = "citizen.phone_taken"
    detail = "This phone number already has an account; log in"


class IdNumberInvalid(Invalid):
    """Not a GB 11643 ID number; the detail names the failed check (length, characters, region,
    birth_date, checksum), never the number."""

    code = "citizen.id_number_invalid"
    detail = "Not a valid ID number"

    def __init__(self, *, reason: str) -> None:
        super().__init__(detail=f"{self.detail} ({reason})")
        self.reason = reason


class NameInvalid(Invalid):
    code = "citizen.name_invalid"
    detail = "The name is empty"


class IdentityMismatch(Invalid):
    code = "citizen.identity_mismatch"
    detail = "The name does not match the ID number"


class IdentityNotFound(Invalid):
    code = "citizen.identity_not_found"
    detail = "The population registry does not know this ID number"


class IdentityDeceased(Invalid):
    code = "citizen.identity_deceased"
    detail = "The population registry lists this person as deceased"


class RegisterRateLimited(RateLimited):
    """Too many failed registrations from one client address: each may cost a registry query and
    tells whether a name matches an ID number."""

    code = "citizen.register_rate_limited"
    detail = "Too many failed registrations from this address; try again later"


class RegistryUnavailable(Unavailable):
    """The population registry is down, or refused the check (``Retry-After`` 60 s then)."""

    code = "citizen.registry_unavailable"
    detail = "The population registry is unavailable; try again later"

"""The citizen feature's errors: real-name registration, the proof that the registrant is the person,
reclaiming an identity, and the citizen's own record.

NotFound (404)
├── CitizenNotFound             citizen.not_found
└── NothingToReclaim            citizen.reclaim_not_found (no account holds the identity: register)
Forbidden (403)                 AccountFrozen  citizen.account_frozen (its identity was reclaimed)
Unauthenticated (401)           NotRegistered  citizen.not_registered (a right SMS login code, no account)
Conflict (409)
├── AlreadyRegistered           citizen.already_registered (only once the caller proved the identity)
├── PhoneTaken                  citizen.phone_taken
├── FaceVerificationRequired    citizen.face_verification_required (carries the face ticket)
├── FaceVerificationPending     citizen.face_verification_pending
├── SmsCodeRequired             citizen.sms_code_required (a platform's phone proof, and no operators' match)
└── ReclaimRaced                citizen.reclaim_conflict
Invalid (422)
├── IdNumberInvalid             citizen.id_number_invalid (the detail names the failed check)
├── NameInvalid                 citizen.name_invalid
├── IdentityMismatch            citizen.identity_mismatch   ┐
├── IdentityNotFound            citizen.identity_not_found  ├ the population registry's verdicts
├── IdentityDeceased            citizen.identity_deceased   ┘
├── PhoneProofMissing           citizen.phone_proof_missing
├── FaceTicketInvalid           citizen.face_ticket_invalid
└── FaceVerificationFailed      citizen.face_verification_failed
RateLimited (429)               RegisterRateLimited citizen.register_rate_limited,
                                FaceVerificationThrottled citizen.face_verification_rate_limited
Unavailable (503)               RegistryUnavailable citizen.registry_unavailable,
                                OperatorCheckUnavailable citizen.operator_check_unavailable,
                                FaceVerificationUnavailable citizen.face_verification_unavailable
"""

from __future__ import annotations

from backend.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)


class CitizenNotFound(NotFound):
    code = "citizen.not_found"
    detail = "No such citizen"


class NothingToReclaim(NotFound):
    """A proven identity that no account holds: there is nothing to take back, so register."""

    code = "citizen.reclaim_not_found"
    detail = "No account holds this identity; register instead"


class AccountFrozen(Forbidden):
    """The right credential for an account whose identity was reclaimed by the person it belongs to:
    the account can no longer log in or refresh (the service desk handles appeals)."""

    code = "citizen.account_frozen"
    detail = "This account was frozen: its identity was reclaimed by the person it belongs to"


class NotRegistered(Unauthenticated):
    """A right SMS login code for a phone without an account: the caller proved they hold the phone,
    so saying it has no account leaks nothing."""

    code = "citizen.not_registered"
    detail = "This phone number has no account; register"


class AlreadyRegistered(Conflict):
    """Answered only once the caller proved they are the person (registry, then the operator's
    real-name check or a face verification): if it is theirs, ``POST /api/v1/auth/reclaim`` takes it
    back. Never says which phone holds it."""

    code = "citizen.already_registered"
    detail = "This ID number is already registered; if it is yours, take it back at /api/v1/auth/reclaim"


class PhoneTaken(Conflict):
    code = "citizen.phone_taken"
    detail = "This phone number already has an account; log in"


class FaceVerificationRequired(Conflict):
    """The phone is not real-name registered to this identity at its operator (someone else's, not
    registered, or a virtual operator's the check can't answer): verify your face in the platform SDK
    with ``extra.face_verification.verification_id``, then send the same request again with
    ``face_ticket`` (in place of ``sms_code``)."""

    code = "citizen.face_verification_required"
    detail = (
        "This phone is not registered to this identity at its operator: verify your face, then send "
        "the request again with face_ticket"
    )

    def __init__(self, *, ticket: str, verification_id: str, expires_in: int) -> None:
        super().__init__(
            extra={
                "face_verification": {
                    "ticket": ticket,
                    "verification_id": verification_id,
                    "expires_in": expires_in,
                }
            }
        )
        self.ticket = ticket
        self.verification_id = verification_id


class FaceVerificationPending(Conflict):
    """The platform has no result for the face ticket yet: finish the scan, then retry (the ticket
    stays valid)."""

    code = "citizen.face_verification_pending"
    detail = "The face verification is not finished; complete it in the app, then retry"


class SmsCodeRequired(Conflict):
    """The operators don't say the phone is this person's, and only a platform vouched for it: a face
    verification would prove who the registrant is, never that they hold this phone now, so the phone
    must be proven by an SMS code first (a mini program's bind answers ``mp.sms_required``)."""

    code = "citizen.sms_code_required"
    detail = "The operators can't say this phone is yours: prove it with an SMS code first"


class ReclaimRaced(Conflict):
    """The account holding the identity changed while it was being reclaimed; try again."""

    code = "citizen.reclaim_conflict"
    detail = "The identity changed hands during the reclaim; try again"


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


class PhoneProofMissing(Invalid):
    """Exactly one of ``sms_code`` and ``face_ticket`` proves the phone."""

    code = "citizen.phone_proof_missing"
    detail = "Prove the phone with exactly one of sms_code and face_ticket"


class FaceTicketInvalid(Invalid):
    """The face ticket is unknown, used or expired, or was issued for another phone or identity."""

    code = "citizen.face_ticket_invalid"
    detail = "The face ticket is invalid, used or expired, or not for this phone and identity"


class FaceVerificationFailed(Invalid):
    """The platform found no live face, or not this identity's face: the ticket is spent."""

    code = "citizen.face_verification_failed"
    detail = "The face verification did not confirm this identity"


class RegisterRateLimited(RateLimited):
    """Too many failed registrations from one client address: each may cost a registry query and
    tells whether a name matches an ID number."""

    code = "citizen.register_rate_limited"
    detail = "Too many failed registrations from this address; try again later"


class FaceVerificationThrottled(RateLimited):
    """Too many face verifications for one identity on one phone: each is billed by the platform."""

    code = "citizen.face_verification_rate_limited"
    detail = "Too many face verifications for this identity and phone; try again later"


class RegistryUnavailable(Unavailable):
    """The population registry is down, or refused the check (``Retry-After`` 60 s then)."""

    code = "citizen.registry_unavailable"
    detail = "The population registry is unavailable; try again later"


class OperatorCheckUnavailable(Unavailable):
    """The operators' real-name check is down, or refused the check (``Retry-After`` 60 s then)."""

    code = "citizen.operator_check_unavailable"
    detail = "The operators' real-name check is unavailable; try again later"


class FaceVerificationUnavailable(Unavailable):
    """The face verification service is down, or refused the request (``Retry-After`` 60 s then)."""

    code = "citizen.face_verification_unavailable"
    detail = "The face verification service is unavailable; try again later"


# What registering an identity can refuse wherever it is asked (registration, reclaim, the
# mini-program bind): part of each of those routes' ``errors=``.
REGISTRATION_REFUSALS: tuple[type[DomainError], ...] = (
    PhoneTaken,
    FaceVerificationRequired,
    FaceVerificationPending,
    AlreadyRegistered,
    IdNumberInvalid,
    NameInvalid,
    PhoneProofMissing,
    SmsCodeRequired,
    IdentityMismatch,
    IdentityNotFound,
    IdentityDeceased,
    FaceTicketInvalid,
    FaceVerificationFailed,
    RegisterRateLimited,
    FaceVerificationThrottled,
    RegistryUnavailable,
    OperatorCheckUnavailable,
    FaceVerificationUnavailable,
)

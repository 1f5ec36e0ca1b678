"""The licence feature's errors.

NotFound (404)
├── LicenceNotFound         licence.not_found (also another citizen's licence)
├── RequestNotFound         licence.request_not_found (also another citizen's or verifier's request)
├── VerifierNotFound        licence.verifier_not_found
├── StatusListNotFound      licence.status_list_not_found
└── HandleInvalid           licence.handle_invalid (unknown, expired or already scanned)
Forbidden (403)
├── VerifierUnregistered    licence.verifier_unregistered (a device with no verifier registration)
├── VerifierSuspended       licence.verifier_suspended
└── OutsidePurpose          licence.outside_purpose (asks for a type or field it is not registered for)
Conflict (409)
├── RequestClosed           licence.request_closed (answered, declined or expired already)
├── LicenceUnusable         licence.unusable (revoked, suspended or expired: it can't be shown)
├── NotHeld                 licence.not_held (consenting to a type the citizen holds no licence of)
├── VerifierExists          licence.verifier_exists (the device already has a registration)
├── PresentationReplayed    licence.presentation_replayed (verified once already)
├── PlatformNotLinked       licence.platform_not_linked (no WeChat/Alipay account linked for the card pack)
└── PointerExists           licence.pointer_exists (the licence is in that card pack already)
Invalid (422)
├── FieldsInvalid           licence.fields_invalid (consent to a field that was not asked for…)
├── RegistrationInvalid     licence.registration_invalid (no type, a type with no field, > 256 fields)
└── PresentationInvalid     licence.presentation_invalid (``reason`` is the wallet library's code)
Unavailable (503)
├── LibraryUnavailable      licence.library_unavailable (the e-licence library can't be reached)
└── CardPackUnavailable     licence.card_pack_unavailable (the platform's card-pack API refused or is down)
RateLimited (429)
├── RefreshRateLimited      licence.refresh_rate_limited (pulls asked for by one citizen)
└── ShowRateLimited         licence.show_rate_limited (handles asked for by one citizen)
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unavailable


class LicenceNotFound(NotFound):
    code = "licence.not_found"
    detail = "No such licence"


class RequestNotFound(NotFound):
    code = "licence.request_not_found"
    detail = "No such request"


class VerifierNotFound(NotFound):
    code = "licence.verifier_not_found"
    detail = "No such verifier"


class StatusListNotFound(NotFound):
    code = "licence.status_list_not_found"
    detail = "No such status list"


class VerifierUnregistered(Forbidden):
    """A device may ask for licences only once an operator registered it as a verifier."""

    code = "licence.verifier_unregistered"
    detail = "This device is not a registered licence verifier"


class VerifierSuspended(Forbidden):
    code = "licence.verifier_suspended"
    detail = "This verifier's registration is suspended"


class OutsidePurpose(Forbidden):
    """Refused before the citizen sees it: the request names a licence type or a field outside the
    verifier's registration."""

    code = "licence.outside_purpose"
    detail = "This verifier is not registered to ask for that"

    def __init__(self, *, outside: list[str]) -> None:
        outside = [name[:64] for name in outside[:32]]  # names a client sent: echoed, bounded
        super().__init__(
            detail=f"Not registered to ask for: {', '.join(outside)}", extra={"outside": outside}
        )


class HandleInvalid(NotFound):
    """Unknown, expired and already-scanned handles get the same answer: a counter learns nothing
    from a guessed or replayed one."""

    code = "licence.handle_invalid"
    detail = "This code is expired or was already scanned; ask the citizen to show a fresh one"


class RequestClosed(Conflict):
    code = "licence.request_closed"
    detail = "This request was already answered or has expired"


class LicenceUnusable(Conflict):
    code = "licence.unusable"
    detail = "This licence is revoked, suspended or expired and cannot be shown"


class NotHeld(Conflict):
    code = "licence.not_held"
    detail = "You hold no usable licence of the type asked for; decline the request"


class VerifierExists(Conflict):
    code = "licence.verifier_exists"
    detail = "This device is already registered as a verifier"


class PresentationReplayed(Conflict):
    code = "licence.presentation_replayed"
    detail = "This presentation was verified once already"


class FieldsInvalid(Invalid):
    code = "licence.fields_invalid"
    detail = "Consent names fields that were not asked for"

    def __init__(self, *, fields: list[str]) -> None:
        fields = [name[:64] for name in fields[:32]]  # names a client sent: echoed, bounded
        super().__init__(detail=f"Not asked for: {', '.join(fields)}", extra={"fields": fields})


class RegistrationInvalid(Invalid):
    code = "licence.registration_invalid"
    detail = "A registration names at least one licence type, each with at least one field (256 at most)"


class PresentationInvalid(Invalid):
    """The wallet library refused the presentation; ``reason`` is its error code (``wrong_nonce``,
    ``revoked``, ``sd_hash_mismatch``…), stable for a verifier to act on."""

    code = "licence.presentation_invalid"
    detail = "The presentation does not verify"

    def __init__(self, *, reason: str) -> None:
        super().__init__(detail=f"The presentation does not verify: {reason}", extra={"reason": reason})
        self.reason = reason


class LibraryUnavailable(Unavailable):
    code = "licence.library_unavailable"
    detail = "The e-licence library is unavailable; licences you already hold still work"
    retry_after = 30


class RefreshRateLimited(RateLimited):
    code = "licence.refresh_rate_limited"
    detail = "Your licences were pulled just now; try again in a minute"


class PlatformNotLinked(Conflict):
    code = "licence.platform_not_linked"
    detail = "Link your account on that platform first (in its mini program)"


class PointerExists(Conflict):
    code = "licence.pointer_exists"
    detail = "This licence is in that card pack already"


class CardPackUnavailable(Unavailable):
    code = "licence.card_pack_unavailable"
    detail = "The card pack can't be reached now; try again later"
    retry_after = 30


class ShowRateLimited(RateLimited):
    code = "licence.show_rate_limited"
    detail = "Too many codes asked for just now; try again in a minute"

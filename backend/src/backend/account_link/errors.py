"""The account-link feature's errors. Their codes are ``mp.*``: clients meet them at the mini-program
edge (``/mp/v1``, ``miniprogram_api``), which raises none of its own.

NotFound (404)          LinkNotFound          mp.link_not_found (also another citizen's link)
Unauthenticated (401)
├── LoginCodeInvalid    mp.login_code_invalid (call ``wx.login`` / ``my.getAuthCode`` again)
└── BindTicketInvalid   mp.bind_ticket_invalid
Forbidden (403)         PlatformUserBlocked   mp.platform_user_blocked
Conflict (409)
├── AlreadyLinked       mp.already_linked
└── SmsRequired         mp.sms_required (a platform phone proof that can't do: see the class)
Invalid (422)
├── PhoneNotYours       mp.phone_not_yours
├── PhoneProofMissing   mp.phone_proof_missing
├── PhoneProofInvalid   mp.phone_proof_invalid
├── PhoneUnsupported    mp.phone_unsupported
└── IdentityMismatch    mp.identity_mismatch
RateLimited (429)       LoginThrottled mp.login_throttled, BindThrottled mp.bind_throttled,
                        PlatformRateLimited mp.platform_rate_limited
Unavailable (503)       PlatformUnavailable mp.platform_unavailable, PlatformDisabled mp.platform_disabled

A wrong SMS code is ``backend.auth.errors.SmsCodeInvalid``; registering through a bind raises the
``backend.citizen.errors`` leaves (``citizen.face_verification_required`` among them), and a frozen
account's login ``citizen.account_frozen``.
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated, Unavailable


class LinkNotFound(NotFound):
    code = "mp.link_not_found"
    detail = "You have no such link"


class LoginCodeInvalid(Unauthenticated):
    code = "mp.login_code_invalid"
    detail = "The login code is invalid, used or expired; log in again"


class BindTicketInvalid(Unauthenticated):
    code = "mp.bind_ticket_invalid"
    detail = "The bind ticket is unknown, used or expired; log in again"


class PlatformUserBlocked(Forbidden):
    """WeChat's risk control refused this user's login (errcode 40226)."""

    code = "mp.platform_user_blocked"
    detail = "WeChat blocked this login as high-risk"


class AlreadyLinked(Conflict):
    code = "mp.already_linked"
    detail = "This platform user or this account is already linked; unlink it first"

    def __init__(self, *, platform: str) -> None:
        super().__init__(detail=f"This {platform} user or this account is already linked; unlink it first")
        self.platform = platform


class SmsRequired(Conflict):
    """The platform's phone proof can't do here: retry the same ticket with phone + sms_code (one more
    of the ticket's attempts). A platform proof (or a face ticket) never binds an existing account,
    Alipay's phone answer never proves anything (replayable), and WeChat's proves a new phone only
    where the operators say it is the person's (elsewhere a face verification follows the SMS code)."""

    code = "mp.sms_required"
    detail = "Prove this phone with an SMS code of purpose bind"


class PhoneNotYours(Invalid):
    code = "mp.phone_not_yours"
    detail = "The SMS code must be sent to your own account's phone"


class PhoneProofMissing(Invalid):
    code = "mp.phone_proof_missing"
    detail = "Prove a phone: phone + sms_code, or the platform's proof"


class PhoneProofInvalid(Invalid):
    code = "mp.phone_proof_invalid"
    detail = "The platform's phone number proof is invalid or used"


class PhoneUnsupported(Invalid):
    code = "mp.phone_unsupported"
    detail = "Only mainland China mobile numbers can bind"


class IdentityMismatch(Invalid):
    code = "mp.identity_mismatch"
    detail = "The name and ID number are not those of this phone's account"


class LoginThrottled(RateLimited):
    """Too many platform logins from one client address: each burns a platform API call."""

    code = "mp.login_throttled"
    detail = "Too many mini-program logins from this address; try again later"


class BindThrottled(RateLimited):
    """Too many binds from one client address: each may query the population registry."""

    code = "mp.bind_throttled"
    detail = "Too many binds from this address; try again later"


class PlatformRateLimited(RateLimited):
    """WeChat's per-user login limit (errcode 45011: 100 calls a minute)."""

    code = "mp.platform_rate_limited"
    detail = "Too many logins for this user"


class PlatformUnavailable(Unavailable):
    """The platform did not answer, or refused our server (a configuration problem: see the log)."""

    code = "mp.platform_unavailable"
    detail = "The platform is unavailable; try again"

    def __init__(self, *, platform: str, retry_after: int) -> None:
        super().__init__(detail=f"{platform} is unavailable; try again", retry_after=retry_after)
        self.platform = platform


class PlatformDisabled(Unavailable):
    code = "mp.platform_disabled"
    detail = "This platform's login is not configured"

    def __init__(self, *, platform: str) -> None:
        super().__init__(detail=f"{platform} login is not configured")
        self.platform = platform

"""The auth feature's errors: every 401 answer carries ``WWW-Authenticate: Bearer`` (RFC 6750 §3).

Unauthenticated (401)
├── TokenRejected             Bearer error="invalid_token"
│   ├── TokenMissing          auth.token_missing (plain "Bearer": nothing was presented)
│   ├── TokenInvalid          auth.token_invalid
│   ├── TokenExpired          auth.token_expired
│   └── TokenRevoked          auth.token_revoked
├── InvalidCredentials        auth.invalid_credentials (unknown account and wrong credential alike)
└── RefreshTokenRejected
    ├── RefreshTokenInvalid   auth.refresh_token_invalid
    └── RefreshTokenReused    auth.refresh_token_reused
Forbidden (403)
└── PrincipalForbidden        Bearer error="insufficient_scope"
    ├── WrongPrincipalKind    auth.wrong_principal_kind
    ├── InsufficientScope     auth.insufficient_scope
    ├── MissingRole           auth.missing_role
    └── ActingRefused         acting for an organisation (``backend.organisation``):
        ├── ActingNotAdmitted auth.acting_not_admitted (the route serves people acting for themselves)
        ├── ActingOutOfScope  auth.acting_out_of_scope (the agent's authorisation lacks the route's scope)
        └── ActingEnded       auth.acting_ended (the authorisation expired or was revoked since)
Invalid (422)                 SmsCodeInvalid auth.sms_code_invalid, PhoneInvalid auth.phone_invalid
Unavailable (503)             KeysUnavailable auth.keys_unavailable, SmsUnavailable auth.sms_unavailable
RateLimited (429)             LoginThrottled auth.login_throttled, SmsLoginThrottled auth.sms_login_throttled,
                              RefreshThrottled auth.refresh_throttled, SmsRateLimited auth.sms_rate_limited

UnknownSigningKey is no answer: it tells ``TokenService.authenticate`` to reload the key ring.
"""

from __future__ import annotations

from backend.errors import Forbidden, Invalid, RateLimited, Unauthenticated, Unavailable


class TokenRejected(Unauthenticated):
    """A bearer token is missing, malformed, forged, expired or revoked. The ``detail`` names the
    class of failure only; what exactly failed goes to the log, never to the caller."""

    def headers(self) -> dict[str, str]:
        return {"www-authenticate": 'Bearer error="invalid_token"'}


class TokenMissing(TokenRejected):
    code = "auth.token_missing"
    detail = "An access token is required"

    def headers(self) -> dict[str, str]:
        # RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
        return {"www-authenticate": "Bearer"}


class TokenInvalid(TokenRejected):
    code = "auth.token_invalid"
    detail = "The access token is not valid"


class TokenExpired(TokenRejected):
    code = "auth.token_expired"
    detail = "The access token has expired"


class TokenRevoked(TokenRejected):
    code = "auth.token_revoked"
    detail = "The access token has been revoked"


class InvalidCredentials(Unauthenticated):
    """Wrong password or SMS code; an unknown phone or username answers the same."""

    code = "auth.invalid_credentials"
    detail = "The account or the credential is wrong"


class RefreshTokenRejected(Unauthenticated):
    """A refresh token that can't be spent: log in again."""


class RefreshTokenInvalid(RefreshTokenRejected):
    """A refresh token that is malformed, unknown, expired, revoked or rotated away."""

    code = "auth.refresh_token_invalid"
    detail = "The refresh token is not valid; log in again"


class RefreshTokenReused(RefreshTokenRejected):
    """An already spent refresh token: its whole session is revoked (RFC 9700 §4.14.2)."""

    code = "auth.refresh_token_reused"
    detail = "The refresh token was already used; its session is revoked, log in again"


class PrincipalForbidden(Forbidden):
    """A valid token of the wrong kind, or without the scope or role the route needs."""

    def headers(self) -> dict[str, str]:
        return {"www-authenticate": 'Bearer error="insufficient_scope"'}


class WrongPrincipalKind(PrincipalForbidden):
    code = "auth.wrong_principal_kind"
    detail = "This route is for another kind of token"

    def __init__(self, *, kind: str) -> None:
        super().__init__(detail=f"This route is for {kind} tokens")
        self.kind = kind


class InsufficientScope(PrincipalForbidden):
    code = "auth.insufficient_scope"
    detail = "The token lacks a scope this route needs"


class ActingRefused(PrincipalForbidden):
    """A token acting for an organisation, refused here; checked at every use, not only at issue."""


class ActingNotAdmitted(ActingRefused):
    code = "auth.acting_not_admitted"
    detail = "This route serves citizens acting for themselves; use your own token"


class ActingOutOfScope(ActingRefused):
    code = "auth.acting_out_of_scope"
    detail = "Your authorisation for this organisation does not cover this"


class ActingEnded(ActingRefused):
    code = "auth.acting_ended"
    detail = "Your authorisation for this organisation has expired or was revoked"


class MissingRole(PrincipalForbidden):
    code = "auth.missing_role"
    detail = "Your role does not allow this"


class SmsCodeInvalid(Invalid):
    code = "auth.sms_code_invalid"
    detail = "The SMS code is wrong or has expired"


class PhoneInvalid(Invalid):
    code = "auth.phone_invalid"
    detail = "The SMS gateway refuses this number"


class KeysUnavailable(Unavailable):
    """The signing keys can't be read (a database outage): signing, or a token whose ``kid`` this
    worker doesn't hold yet."""

    code = "auth.keys_unavailable"
    detail = "Signing keys can't be loaded"
    retry_after = 5


class SmsUnavailable(Unavailable):
    """The SMS gateway is down (``Retry-After``) or failed the send."""

    code = "auth.sms_unavailable"
    detail = "SMS sending is unavailable; try again later"


class LoginThrottled(RateLimited):
    """Too many failed password logins (citizen or staff) from this address or on this account, the
    same for an unknown account; never an SMS code (``backend.auth.throttle``)."""

    code = "auth.login_throttled"
    detail = "Too many failed logins; try again after the Retry-After delay"


class SmsLoginThrottled(RateLimited):
    """Too many wrong SMS login codes from one client address, across phones."""

    code = "auth.sms_login_throttled"
    detail = "Too many wrong SMS codes from this address; try again later"


class RefreshThrottled(RateLimited):
    """Too many rejected refresh tokens from one client address (replays)."""

    code = "auth.refresh_throttled"
    detail = "Too many rejected refresh tokens from this address; try again later"


class SmsRateLimited(RateLimited):
    """An SMS code asked for too soon: for this phone from this address, for this phone (codes are
    spaced, never stopped for the day), or too many unused ones from this address (``backend.auth.sms``)."""

    code = "auth.sms_rate_limited"
    detail = "Too many SMS codes were requested; try again later"


class UnknownSigningKey(Exception):
    """A token names a ``kid`` this process doesn't hold (yet): reload the key ring, then retry once."""

    def __init__(self, kid: str) -> None:
        super().__init__(kid)
        self.kid = kid

"""The auth feature's errors: every 401 answer carries ``WWW-Authenticate: Bearer`` (RFC 6750 §3).

Unauthenticated (401)
├── TokenRejected          auth.token_missing / _invalid / _expired / _revoked
├── InvalidCredentials     auth.invalid_credentials (unknown phone and wrong password alike)
└── RefreshTokenRejected   auth.refresh_token_invalid / auth.refresh_token_reused
Forbidden (403)
└── PrincipalForbidden     auth.wrong_principal_kind / auth.insufficient_scope / auth.missing_role
RateLimited (429)          auth.account_locked, auth.login_throttled, auth.refresh_throttled,
                           auth.sms_rate_limited
Unavailable (503)          auth.keys_unavailable, auth.sms_unavailable
Invalid (422)              auth.sms_code_invalid, auth.phone_invalid
"""

from __future__ import annotations

from backend.errors import Forbidden, Unauthenticated


class TokenRejected(Unauthenticated):
    """A bearer token is missing, malformed, forged, expired or revoked. The ``detail`` names the
    class of failure only; what exactly failed goes to the log, never to the caller."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)


class InvalidCredentials(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("auth.invalid_credentials", "The phone number or the credential is wrong")


class RefreshTokenRejected(Unauthenticated):
    def __init__(self, code: str = "auth.refresh_token_invalid") -> None:
        super().__init__(code, "The refresh token is not valid; log in again")


class PrincipalForbidden(Forbidden):
    """A valid token of the wrong kind, or without the scope or role the route needs."""

    def headers(self) -> dict[str, str]:
        return {"www-authenticate": 'Bearer error="insufficient_scope"'}


class UnknownSigningKey(Exception):
    """A token names a ``kid`` this process doesn't hold (yet): reload the key ring, then retry once."""

    def __init__(self, kid: str) -> None:
        super().__init__(kid)
        self.kid = kid

"""The scanner feature's errors: gate devices and their credentials.

NotFound (404)          ScannerNotFound      scanner.not_found
Unauthenticated (401)   CredentialsInvalid   scanner.credentials_invalid (unknown, revoked, wrong alike)
RateLimited (429)       TokenThrottled       scanner.token_throttled
"""

from __future__ import annotations

from backend.errors import NotFound, RateLimited, Unauthenticated


class ScannerNotFound(NotFound):
    code = "scanner.not_found"
    detail = "No such scanner device"


class CredentialsInvalid(Unauthenticated):
    """An unknown device, a revoked one and a wrong credential answer the same."""

    code = "scanner.credentials_invalid"
    detail = "The device id or credential is wrong"


class TokenThrottled(RateLimited):
    """Too many token exchanges by one device: it needs one per token lifetime (10 minutes)."""

    code = "scanner.token_throttled"
    detail = "Too many token requests for this device; try again later"

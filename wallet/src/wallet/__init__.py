"""E-licence credentials: SD-JWT VC issue/present/verify, Token Status Lists, the disclosure log.

* ``issue`` / ``present`` / ``verify``: SD-JWT VC (RFC 9901 + the IETF SD-JWT VC draft), ES256 and
  sha-256 only, every claim selectively disclosable, key binding required by default.
* ``StatusList`` / ``sign_status_list`` / ``read_status_list``: Token Status List JWTs.
* ``DisclosureLog`` / ``sign_log_head`` / ``verify_log``: a per-citizen hash chain of what was
  disclosed to whom (paths, never values) with a signed head.

Pure library: no web framework, no storage, no environment. Time and randomness are arguments.
Every error is a ``wallet.errors.WalletError`` with a stable ``code``. See README.md.
"""

from wallet._disclosure import ClaimPath, Disclosure
from wallet._keys import KeyLookup, SigningKey, jwk_thumbprint, jwks, jwks_lookup, key_from_jwk, public_jwk
from wallet._log import (
    GENESIS,
    DisclosureLog,
    LogEntry,
    LogEvent,
    LogHead,
    LogRow,
    chain_hash,
    export_log,
    load_log_export,
    sign_log_head,
    verify_log,
)
from wallet._sdjwt import IssuedCredential, Presentation, issue, present
from wallet._status import (
    Status,
    StatusCheck,
    StatusList,
    StatusListToken,
    StatusRef,
    read_status_list,
    sign_status_list,
)
from wallet._verify import KeyBinding, VerifiedCredential, verify

__all__ = [
    "GENESIS",
    "ClaimPath",
    "Disclosure",
    "DisclosureLog",
    "IssuedCredential",
    "KeyBinding",
    "KeyLookup",
    "LogEntry",
    "LogEvent",
    "LogHead",
    "LogRow",
    "Presentation",
    "SigningKey",
    "Status",
    "StatusCheck",
    "StatusList",
    "StatusListToken",
    "StatusRef",
    "VerifiedCredential",
    "chain_hash",
    "export_log",
    "issue",
    "jwk_thumbprint",
    "jwks",
    "jwks_lookup",
    "key_from_jwk",
    "load_log_export",
    "present",
    "public_jwk",
    "read_status_list",
    "sign_log_head",
    "sign_status_list",
    "verify",
    "verify_log",
]

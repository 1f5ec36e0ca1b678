"""E-licence identifiers in the layout of GB/T 36904-2018 (电子证照标识).

Layout used here (dot-separated)::

    1.2.156.3005.2 . <type code> . <issuer code> . <serial> . <version> . <check>

- ``1.2.156.3005.2``: the national e-licence OID arc;
- type code: the defining department's unified social credit code + 3-digit kind number;
- issuer code: the issuing authority's unified social credit code (GB 32100);
- serial: 1-32 letters/digits; version: 3 digits;
- check: ISO 7064 MOD 37,36 over type code + issuer code + serial + version.

Real libraries hold legacy identifiers that predate the standard, so odd identifiers are
*flagged* (:func:`check_licence_identifier` lists the issues), never rejected.
The exact component widths above are our reading of the standard [verify against the
text of GB/T 36904 before relying on them for anything but flagging].
"""

from __future__ import annotations

import re

from integrations.creditcode import is_valid_credit_code

__all__ = [
    "LICENCE_OID_PREFIX",
    "check_licence_identifier",
    "licence_check_char",
    "make_licence_identifier",
]

LICENCE_OID_PREFIX = "1.2.156.3005.2"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SERIAL = re.compile(r"^[0-9A-Z]{1,32}$")


def licence_check_char(payload: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid) check character over upper-case letters and digits."""
    p = 36
    for char in payload:
        s = (p + _ALNUM.index(char)) % 36 or 36
        p = (s * 2) % 37
    return _ALNUM[(1 - p) % 36]


def make_licence_identifier(type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    """Build a well-formed identifier (used by the twin to seed licences)."""
    ver = f"{version:03d}"
    check = licence_check_char(type_code + issuer_code + serial + ver)
    return ".".join([LICENCE_OID_PREFIX, type_code, issuer_code, serial, ver, check])


def check_licence_identifier(identifier: str) -> tuple[str, ...]:
    """Issues found in ``identifier``; an empty tuple means well-formed.

    Issues: ``prefix``, ``structure``, ``type_code``, ``issuer_code``, ``serial``,
    ``version``, ``check_character``.
    """
    if not identifier.startswith(LICENCE_OID_PREFIX + "."):
        return ("prefix",)
    parts = identifier[len(LICENCE_OID_PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        return ("structure",)
    type_code, issuer_code, serial, version, check = parts
    issues: list[str] = []
    if not (len(type_code) == 21 and is_valid_credit_code(type_code[:18]) and type_code[18:].isdigit()):
        issues.append("type_code")
    if not is_valid_credit_code(issuer_code):
        issues.append("issuer_code")
    if not _SERIAL.match(serial):
        issues.append("serial")
    if not (len(version) == 3 and version.isdigit()):
        issues.append("version")
    payload = type_code + issuer_code + serial + version
    if all(c in _ALNUM for c in payload) and check != licence_check_char(payload):
        issues.append("check_character")
    return tuple(issues)

"""Ticket codes: the citizen code's wire format (``SQ1:`` + Base45 of a COSE_Sign1 ES256 over a CWT,
``citizen_code``), under a key and an issuer of the tourism feature's own.

Why reuse it: the format, the encoder, the verifier and their golden vectors exist and are tested
against independent COSE/CWT libraries; a gate that reads citizen codes reads tickets with the same
code; a P-256 verify is ~64 µs, so a gate verifies offline with a published trust list. Why a key and
an issuer of its own: a ticket must never pass as a citizen code (or the reverse) — a citizen-code
verifier does not trust this key, and this verifier expects ``iss = suqian-tourism``.

The subject is the ticket's random code id (80 bits), never personal data; ``exp`` is ``code_ttl``
after issuance, so the QR the app shows rotates and a screenshot dies within a minute.

Keys are derived from the data key per epoch (HKDF, ``tourism.ticket-key:<epoch>``): every worker
agrees without a key table; raising ``key_epoch`` rotates, and the previous epoch stays trusted. The
trust list (the keys, signed by a trust anchor derived the same way) is published for offline gates.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from backend.crypto import derive_key
from citizen_code import (
    IssuerKey,
    TrustedKey,
    TrustList,
    Verifier,
    generate_code_id,
    issue_code,
    load_trust_list,
    sign_trust_list,
)
from citizen_code.errors import CodeExpired, CodeRejected

ISSUER = "suqian-tourism"
# The order of P-256: a derived scalar is reduced into [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Keys carry no end of their own: rotation is by epoch.
_FOREVER = 2**40
_TRUST_LIST_TTL = 7 * 86_400


def derived_key(master: bytes, purpose: str) -> IssuerKey:
    scalar = int.from_bytes(derive_key(master, purpose), "big") % (_P256_ORDER - 1) + 1
    return IssuerKey(ec.derive_private_key(scalar, ec.SECP256R1()))


def new_code_id(entropy: bytes) -> str:
    return generate_code_id(entropy)


class CodeInvalid(Exception):
    """Not a ticket code of ours: malformed, forged, or signed by a key we don't trust."""


class CodeStale(Exception):
    """A ticket code of ours, expired: the app shows a fresh one."""


class TicketSigner:
    def __init__(self, *, data_key: bytes, epoch: int, ttl: int) -> None:
        self._ttl = ttl
        self._key = derived_key(data_key, f"tourism.ticket-key:{epoch}")
        keys = [self._key] + ([derived_key(data_key, f"tourism.ticket-key:{epoch - 1}")] if epoch > 1 else [])
        self.anchor = derived_key(data_key, "tourism.ticket-anchor")
        self._epoch = epoch
        self._trusted = [TrustedKey.of(k.public_key, not_before=0, not_after=_FOREVER) for k in keys]
        self._verifier = Verifier(self.trust_list(now=0), clock_skew=15)

    def trust_list_document(self, *, now: int) -> bytes:
        """The signed trust list for offline gates (verified with ``anchor``'s public key)."""
        return sign_trust_list(
            self.anchor, self._trusted, issuer=ISSUER, now=now, sequence=self._epoch, ttl=_TRUST_LIST_TTL
        )

    def trust_list(self, *, now: int) -> TrustList:
        return load_trust_list(self.trust_list_document(now=now), self.anchor.public_key)

    def issue(self, code_id: str, *, now: int) -> tuple[str, int]:
        """A fresh code for the ticket and when it expires (seconds since the epoch)."""
        return issue_code(self._key, issuer=ISSUER, subject=code_id, now=now, ttl=self._ttl), now + self._ttl

    def read(self, code: str, *, now: int) -> str:
        """The ticket's code id, for a code we signed that is still fresh."""
        try:
            return self._verifier.inspect(code, now=now).claims.code_id
        except CodeExpired:
            raise CodeStale() from None
        except CodeRejected:
            raise CodeInvalid() from None

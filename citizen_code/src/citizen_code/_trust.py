"""The signed trust list: which issuer keys a scanner trusts, and for how long.

Format: a COSE_Sign1 (ES256) by the trust-anchor key, protected header
``{1: -7, 3: "application/sq1-trust-list+cbor", 4: anchor kid}``, over a CBOR map with text
keys (``v, iss, seq, iat, exp, keys``). COSE rather than JWS because scanners already carry
the CBOR/COSE verifier for the codes themselves: one parser and one signature path to
audit, no JSON canonicalisation question, and the document stays compact for offline sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric import ec

from citizen_code import _cbor, _cose
from citizen_code._keys import KID_LENGTH, IssuerKey, kid_of, load_public_key, spki_der, verify_raw
from citizen_code.errors import CitizenCodeError, InvalidTrustList

CONTENT_TYPE = "application/sq1-trust-list+cbor"
FORMAT_VERSION = 1
TRUST_LIST_TTL = 7 * 24 * 3600
MAX_TRUST_LIST_BYTES = 1 << 20
_DOCUMENT_KEYS = frozenset(("v", "iss", "seq", "iat", "exp", "keys"))
_ENTRY_KEYS = frozenset(("kid", "alg", "spki", "nbf", "exp"))
_RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """An issuer public key and the window in which codes it signed are acceptable.

    ``not_after`` is when the last code the key could have signed expires;
    ``retired_at``, when set, is when the key stopped signing: a code claiming a later
    ``iat`` was signed by a leaked retired key.
    """

    kid: bytes
    public_key: ec.EllipticCurvePublicKey = field(compare=False, repr=False)
    not_before: int
    not_after: int
    retired_at: int | None = None
    alg: str = "ES256"

    @classmethod
    def of(
        cls,
        public_key: ec.EllipticCurvePublicKey | bytes,
        *,
        not_before: int,
        not_after: int,
        retired_at: int | None = None,
    ) -> TrustedKey:
        """Describe a public key (object, PEM, DER or SEC1) with its validity window."""
        key = load_public_key(public_key)
        return cls(kid_of(key), key, not_before, not_after, retired_at)


@dataclass(frozen=True, slots=True)
class TrustList:
    """A verified trust list; build it with ``load_trust_list``, never from unsigned data."""

    issuer: str
    sequence: int
    issued_at: int
    expires_at: int
    keys: Mapping[bytes, TrustedKey]

    def find(self, kid: bytes) -> TrustedKey | None:
        """The trusted key with this kid, or None."""
        return self.keys.get(kid)

    def is_stale(self, *, now: int) -> bool:
        """Whether the list is past its ``exp`` and should be refreshed before relying on it."""
        return now >= self.expires_at


def sign_trust_list(
    anchor: IssuerKey,
    keys: Iterable[TrustedKey],
    *,
    issuer: str,
    now: int,
    sequence: int,
    ttl: int = TRUST_LIST_TTL,
) -> bytes:
    """Sign a trust list with the trust-anchor key; returns COSE_Sign1 bytes to publish.

    Args:
        anchor: the trust-anchor key (kept offline in production).
        keys: the issuer keys to trust, e.g. ``KeyRing.trusted_keys()``.
        issuer: the ``iss`` every code under this list must carry.
        now: signing time (``iat``); ``exp`` is ``now + ttl``.
        sequence: increases with every published list so scanners never go backwards.
    """
    entries: list[_cbor.CborValue] = []
    seen: set[bytes] = set()
    for key in keys:
        if key.kid in seen:
            raise InvalidTrustList(f"duplicate kid {key.kid.hex()}")
        seen.add(key.kid)
        entry: dict[int | str, _cbor.CborValue] = {
            "kid": key.kid,
            "alg": _cose.ALG_ES256,
            "spki": spki_der(key.public_key),
            "nbf": key.not_before,
            "exp": key.not_after,
        }
        if key.retired_at is not None:
            entry[_RETIRED] = key.retired_at
        entries.append(entry)
    document: dict[int | str, _cbor.CborValue] = {
        "v": FORMAT_VERSION,
        "iss": issuer,
        "seq": sequence,
        "iat": now,
        "exp": now + ttl,
        "keys": entries,
    }
    protected = _cose.protected_header(kid=anchor.kid, content_type=CONTENT_TYPE)
    return _cose.sign1(anchor, protected, _cbor.encode(document))


def load_trust_list(data: bytes, anchor_public_key: ec.EllipticCurvePublicKey | bytes) -> TrustList:
    """Verify a trust list against the anchor's public key and load it.

    Raises:
        InvalidTrustList: wrong signature, wrong anchor, bad structure, or a kid that does not
            match its key.
    """
    anchor = load_public_key(anchor_public_key)
    message = _parse_message(data)
    if message.kid != kid_of(anchor):
        raise InvalidTrustList("trust list is not signed by this anchor (kid differs)")
    if not verify_raw(anchor, message.signature, message.to_be_signed):
        raise InvalidTrustList("trust list signature does not verify under the anchor key")
    return _read_document(message.payload)


def read_trust_list_unverified(data: bytes) -> TrustList:
    """Load a trust list WITHOUT checking its signature: for inspection tools only."""
    return _read_document(_parse_message(data).payload)


def _parse_message(data: bytes) -> _cose.Sign1:
    if len(data) > MAX_TRUST_LIST_BYTES:
        raise InvalidTrustList(f"trust list larger than {MAX_TRUST_LIST_BYTES} bytes")
    try:
        message = _cose.parse_sign1(data)
    except CitizenCodeError as exc:
        raise InvalidTrustList(f"not a COSE_Sign1: {exc}") from None
    if message.header.get(_cose.HEADER_CONTENT_TYPE) != CONTENT_TYPE:
        raise InvalidTrustList("content type is not a trust list")
    return message


def _int(value: object, what: str) -> int:
    if type(value) is not int:
        raise InvalidTrustList(f"{what} must be an integer")
    return value


def _read_document(payload: bytes) -> TrustList:
    try:
        document = _cbor.decode(payload, max_depth=3)
    except CitizenCodeError as exc:
        raise InvalidTrustList(f"trust list payload: {exc}") from None
    if not isinstance(document, dict) or document.keys() != _DOCUMENT_KEYS:
        raise InvalidTrustList("trust list document does not have the expected fields")
    if document["v"] != FORMAT_VERSION:
        raise InvalidTrustList(f"unsupported trust list version {document['v']!r}")
    issuer, entries = document["iss"], document["keys"]
    if type(issuer) is not str or not isinstance(entries, list):
        raise InvalidTrustList("iss must be text and keys a list")
    keys: dict[bytes, TrustedKey] = {}
    for entry in entries:
        key = _read_entry(entry)
        if key.kid in keys:
            raise InvalidTrustList(f"duplicate kid {key.kid.hex()}")
        keys[key.kid] = key
    return TrustList(
        issuer=issuer,
        sequence=_int(document["seq"], "seq"),
        issued_at=_int(document["iat"], "iat"),
        expires_at=_int(document["exp"], "exp"),
        keys=MappingProxyType(keys),
    )


def _read_entry(entry: object) -> TrustedKey:
    if not isinstance(entry, dict) or not _ENTRY_KEYS <= entry.keys() <= _ENTRY_KEYS | {_RETIRED}:
        raise InvalidTrustList("key entry does not have the expected fields")
    kid, spki = entry["kid"], entry["spki"]
    if type(kid) is not bytes or len(kid) != KID_LENGTH or type(spki) is not bytes:
        raise InvalidTrustList("kid must be 8 bytes and spki a byte string")
    if entry["alg"] != _cose.ALG_ES256:
        raise InvalidTrustList(f"kid {kid.hex()}: only ES256 (-7) is supported")
    try:
        public_key = load_public_key(spki)
    except CitizenCodeError as exc:
        raise InvalidTrustList(f"kid {kid.hex()}: {exc}") from None
    if kid_of(public_key) != kid:
        raise InvalidTrustList(f"kid {kid.hex()} is not the hash of its key")
    retired = entry.get(_RETIRED)
    key = TrustedKey(
        kid=kid,
        public_key=public_key,
        not_before=_int(entry["nbf"], "nbf"),
        not_after=_int(entry["exp"], "exp"),
        retired_at=None if retired is None else _int(retired, "retired"),
    )
    if key.not_after < key.not_before:
        raise InvalidTrustList(f"kid {kid.hex()}: exp before nbf")
    return key

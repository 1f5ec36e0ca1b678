"""The signed trust list: anchor signature, structure, kid integrity."""

from __future__ import annotations

import pytest

from citizen_code import IssuerKey, KeyRing, TrustedKey, _cbor, _cose, load_trust_list, sign_trust_list
from citizen_code._trust import CONTENT_TYPE
from citizen_code.errors import InvalidTrustList
from tests.citizen_code.world import ANCHOR, ISSUER, NOW


def signed(keys: list[TrustedKey] | None = None, anchor: IssuerKey = ANCHOR) -> bytes:
    keys = keys if keys is not None else KeyRing.start(IssuerKey.generate(), now=NOW).trusted_keys()
    return sign_trust_list(anchor, keys, issuer=ISSUER, now=NOW, sequence=3)


def test_load_returns_what_was_signed() -> None:
    ring = KeyRing.start(IssuerKey.generate(), now=NOW).rotate(IssuerKey.generate(), now=NOW + 1)
    loaded = load_trust_list(signed(ring.trusted_keys()), ANCHOR.public_pem())
    assert loaded.issuer == ISSUER
    assert loaded.sequence == 3
    assert loaded.issued_at == NOW
    assert list(loaded.keys.values()) == ring.trusted_keys()
    assert loaded.find(ring.active.kid) is not None
    assert not loaded.is_stale(now=NOW + 6 * 86400)
    assert loaded.is_stale(now=NOW + 7 * 86400)


def test_load_rejects_a_list_signed_by_another_anchor() -> None:
    with pytest.raises(InvalidTrustList, match="anchor"):
        load_trust_list(signed(anchor=IssuerKey.generate()), ANCHOR.public_key)


def test_load_rejects_a_list_with_a_flipped_bit() -> None:
    data = bytearray(signed())
    data[40] ^= 0x01
    with pytest.raises(InvalidTrustList):
        load_trust_list(bytes(data), ANCHOR.public_key)


def test_load_rejects_an_entry_whose_kid_is_not_its_key_hash() -> None:
    key = IssuerKey.generate()
    honest = TrustedKey.of(key.public_key, not_before=NOW, not_after=NOW + 1)
    lying = TrustedKey(b"\x00" * 8, key.public_key, NOW, NOW + 1)
    load_trust_list(signed([honest]), ANCHOR.public_key)
    with pytest.raises(InvalidTrustList, match="hash"):
        load_trust_list(signed([lying]), ANCHOR.public_key)


def test_sign_refuses_duplicate_kids() -> None:
    key = TrustedKey.of(IssuerKey.generate().public_key, not_before=NOW, not_after=NOW + 1)
    with pytest.raises(InvalidTrustList, match="duplicate"):
        signed([key, key])


def test_load_rejects_a_signed_code_posing_as_a_trust_list() -> None:
    payload = _cbor.encode({"v": 1})
    code_like = _cose.sign1(ANCHOR, _cose.protected_header(kid=ANCHOR.kid), payload)
    with pytest.raises(InvalidTrustList, match="content type"):
        load_trust_list(code_like, ANCHOR.public_key)


def test_load_rejects_an_unknown_version() -> None:
    document: dict[int | str, _cbor.CborValue] = {
        "v": 2,
        "iss": ISSUER,
        "seq": 1,
        "iat": NOW,
        "exp": NOW + 1,
        "keys": [],
    }
    protected = _cose.protected_header(kid=ANCHOR.kid, content_type=CONTENT_TYPE)
    data = _cose.sign1(ANCHOR, protected, _cbor.encode(document))
    with pytest.raises(InvalidTrustList, match="version"):
        load_trust_list(data, ANCHOR.public_key)


def test_load_rejects_garbage() -> None:
    with pytest.raises(InvalidTrustList):
        load_trust_list(b"not a trust list", ANCHOR.public_key)

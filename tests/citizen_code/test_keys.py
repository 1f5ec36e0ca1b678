"""Keys and the key ring: serialisation, secrecy, kid, rotation with overlap."""

from __future__ import annotations

import logging
import pickle

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import example, given
from hypothesis import strategies as st

from citizen_code import DeviceKey, IssuerKey, KeyRing, Reason, load_public_key
from citizen_code._keys import raw_to_der
from citizen_code.errors import InvalidKey
from tests.citizen_code.world import DAY, NOW, make_world


def private_bits(key: IssuerKey) -> str:
    pem = key.to_pem()
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return format(loaded.private_numbers().private_value, "x")


def test_pem_round_trip_keeps_the_key() -> None:
    key = IssuerKey.generate()
    again = IssuerKey.from_pem(key.to_pem())
    assert again == key
    assert again.kid == key.kid


def test_encrypted_pem_needs_its_password() -> None:
    key = IssuerKey.generate()
    pem = key.to_pem(password=b"correct horse")
    assert b"ENCRYPTED" in pem
    assert IssuerKey.from_pem(pem, password=b"correct horse") == key
    with pytest.raises(InvalidKey):
        IssuerKey.from_pem(pem, password=b"wrong")
    with pytest.raises(InvalidKey):
        IssuerKey.from_pem(pem)


def test_private_keys_never_appear_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    key = IssuerKey.generate()
    secret = private_bits(key)
    ring = KeyRing.start(key, now=NOW)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("key %s %r ring %s %r", key, key, ring, ring)
    for text in (repr(key), str(key), repr(ring), str(ring), caplog.text):
        assert secret not in text
        assert "PRIVATE" not in text
    assert repr(key) == f"IssuerKey(kid={key.kid.hex()})"


def test_keys_refuse_to_be_pickled() -> None:
    with pytest.raises(TypeError, match="to_pem"):
        pickle.dumps(DeviceKey.generate())


def test_from_pem_refuses_other_curves_and_garbage() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(InvalidKey, match="P-256"):
        IssuerKey.from_pem(p384)
    with pytest.raises(InvalidKey):
        IssuerKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")


def test_load_public_key_accepts_pem_der_and_sec1_points() -> None:
    key = DeviceKey.generate()
    public = key.public_key
    encodings: list[ec.EllipticCurvePublicKey | bytes] = [
        key.public_pem(),
        key.spki,
        public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint),
        public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint),
        public,
    ]
    for encoded in encodings:
        assert load_public_key(encoded).public_numbers() == public.public_numbers()
    with pytest.raises(InvalidKey):
        load_public_key(b"\x04" + bytes(64))  # (0, 0) is not on P-256


def test_start_makes_the_key_active() -> None:
    key = IssuerKey.generate()
    ring = KeyRing.start(key, now=NOW)
    assert ring.active == key
    assert ring.staged is None
    assert not ring.due_for_rotation(now=NOW + 29 * DAY)
    assert ring.due_for_rotation(now=NOW + 30 * DAY)


def test_rotation_keeps_the_retired_key_trusted_until_its_codes_expire() -> None:
    old, new = IssuerKey.generate(), IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW).rotate(new, now=NOW + 30 * DAY)
    assert ring.active == new
    trusted = {key.kid: key for key in ring.trusted_keys()}
    assert trusted[old.kid].retired_at == NOW + 30 * DAY
    assert trusted[old.kid].not_after == NOW + 32 * DAY
    assert trusted[new.kid].not_before == NOW + 30 * DAY
    assert trusted[new.kid].retired_at is None
    assert ring.prune(now=NOW + 32 * DAY - 1).find(old.kid) == old
    assert ring.prune(now=NOW + 32 * DAY).find(old.kid) is None


def test_a_staged_key_is_published_before_it_signs() -> None:
    old, successor = IssuerKey.generate(), IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW).stage(successor, now=NOW + 23 * DAY)
    assert ring.active == old
    assert ring.staged == successor
    assert successor.kid in {key.kid for key in ring.trusted_keys()}
    rotated = ring.rotate(now=NOW + 30 * DAY)
    assert rotated.active == successor
    assert rotated.staged is None


def test_rotate_without_a_successor_is_refused() -> None:
    with pytest.raises(InvalidKey, match="nothing to rotate"):
        KeyRing.start(IssuerKey.generate(), now=NOW).rotate(now=NOW)


def test_a_ring_refuses_two_keys_with_one_kid() -> None:
    key = IssuerKey.generate()
    with pytest.raises(InvalidKey, match="kid"):
        KeyRing.start(key, now=NOW).stage(key, now=NOW)


def test_ring_json_round_trip_keeps_keys_and_lifecycle() -> None:
    ring = (
        KeyRing.start(IssuerKey.generate(), now=NOW)
        .rotate(IssuerKey.generate(), now=NOW + DAY)
        .stage(IssuerKey.generate(), now=NOW + 2 * DAY)
    )
    again = KeyRing.from_json(ring.to_json(password=b"pw"), password=b"pw")
    assert again.entries == ring.entries
    assert again.trusted_keys() == ring.trusted_keys()
    with pytest.raises(InvalidKey):
        KeyRing.from_json(b'{"format": "something else"}')


def test_a_code_claiming_a_time_before_its_key_existed_is_not_yet_valid() -> None:
    world = make_world(ring=KeyRing.start(IssuerKey.generate(), now=NOW))
    verdict = world.verifier().verify(world.code(now=NOW - 100), now=NOW)
    assert verdict.reason is Reason.NOT_YET_VALID


# Halves at the edges of the DER encoding: leading zero bytes, top bit set or not, zero.
_HALVES = [
    bytes(32),
    b"\x00" * 31 + b"\x01",
    b"\x00\x80" + b"\x01" * 30,
    b"\x7f" + b"\xff" * 31,
    b"\x80" + bytes(31),
]
SIGNATURE_EDGES = [r + s for r in _HALVES for s in _HALVES]


@given(st.binary(min_size=64, max_size=64) | st.sampled_from(SIGNATURE_EDGES))
@example(bytes(64))
def test_raw_to_der_matches_the_reference_encoder(signature: bytes) -> None:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    expected = encode_dss_signature(r, s) if r and s else b""
    assert raw_to_der(signature) == expected

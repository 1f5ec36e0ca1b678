"""Low-S only: (r, s) and (r, n − s) verify alike under ECDSA, so without a rule anyone could turn a
code, a holder credential or a trust list into a second valid encoding. We sign s ≤ n/2 and refuse
the high-S twin of a valid signature."""

from __future__ import annotations

import pytest

from citizen_code import Reason, Verifier, b45decode, b45encode, load_trust_list, sign_trust_list
from citizen_code._issue import PREFIX
from citizen_code._keys import ORDER, is_low_s
from citizen_code.errors import InvalidTrustList
from tests.citizen_code.world import ANCHOR, DEVICE_KEY, ISSUER, ISSUER_KEY, NOW, make_world

SIGNATURE = 64


def high_s_twin(cose: bytes) -> bytes:
    """The same COSE_Sign1 with its signature's s replaced by n − s: valid under plain ECDSA."""
    r, s = cose[-SIGNATURE:-32], int.from_bytes(cose[-32:], "big")
    return cose[:-SIGNATURE] + r + (ORDER - s).to_bytes(32, "big")


def twin_text(code: str) -> str:
    return PREFIX + b45encode(high_s_twin(b45decode(code[len(PREFIX) :])))


def test_every_signature_the_library_makes_is_low_s() -> None:
    # A random s is high half the time: 200 signatures all low by chance is a 2^-200 event.
    signatures = [key.sign(b"message %d" % i) for i in range(100) for key in (ISSUER_KEY, DEVICE_KEY)]
    assert all(is_low_s(signature) for signature in signatures)


def test_the_high_s_twin_of_a_valid_online_code_is_a_bad_signature() -> None:
    world = make_world()
    code = world.code()
    assert world.verifier().verify(twin_text(code), now=NOW).reason == Reason.BAD_SIGNATURE
    assert world.verifier().verify(code, now=NOW).passed


def test_the_high_s_twin_of_a_valid_frame_is_a_bad_signature() -> None:
    world = make_world()
    frame = world.frame()
    assert world.verifier().verify(twin_text(frame), now=NOW).reason == Reason.BAD_SIGNATURE
    assert world.verifier().verify(frame, now=NOW).passed


def test_a_frame_carrying_the_high_s_twin_of_its_holder_credential_is_a_bad_signature() -> None:
    world = make_world()
    frame = world.frame(high_s_twin(world.credential()))
    assert world.verifier().verify(frame, now=NOW).reason == Reason.BAD_SIGNATURE


def test_the_high_s_twin_of_a_signed_trust_list_does_not_load() -> None:
    signed = sign_trust_list(ANCHOR, make_world().ring.trusted_keys(), issuer=ISSUER, now=NOW, sequence=1)
    assert isinstance(Verifier(load_trust_list(signed, ANCHOR.public_key)), Verifier)
    with pytest.raises(InvalidTrustList):
        load_trust_list(high_s_twin(signed), ANCHOR.public_key)

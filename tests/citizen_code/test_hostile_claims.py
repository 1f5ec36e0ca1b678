"""Claims are read before any signature is checked, so every claim slot must survive hostile values:
an array or a map where an integer belongs is "malformed", never an exception."""

from __future__ import annotations

import cbor2
import pytest

from citizen_code import Decision, Reason, b45encode
from tests.citizen_code.world import CODE_ID, ISSUER, ISSUER_KEY, NOW, make_world

ISS, SUB, EXP, IAT, CTI, CNF, HOLDER_CREDENTIAL, STATUS = 1, 2, 4, 6, 7, 8, -70001, -70002

HOSTILE = [[1, 2], {1: 2}, b"\x00" * 4, "text", -1, 2**40, None, True]


def _unsigned_code(claims: dict[int, object]) -> str:
    """A COSE_Sign1 in the code's exact shape, with a signature of zeros: the claims are hostile and
    the verifier must refuse them by reading, whatever it would have said about the signature."""
    protected = cbor2.dumps({1: -7, 4: ISSUER_KEY.kid})
    sign1 = cbor2.CBORTag(18, [protected, {}, cbor2.dumps(claims), b"\x00" * 64])
    return "SQ1:" + b45encode(cbor2.dumps(sign1))


def _online_claims() -> dict[int, object]:
    return {ISS: ISSUER, SUB: CODE_ID, IAT: NOW, EXP: NOW + 60, CTI: b"\x01" * 8, STATUS: 0}


@pytest.mark.parametrize("slot", [ISS, SUB, IAT, EXP, CTI, STATUS])
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_online_claim_with_a_hostile_value_is_denied_as_malformed(slot: int, value: object) -> None:
    claims = {**_online_claims(), slot: value}
    verdict = make_world().verifier().verify(_unsigned_code(claims), now=NOW)
    assert verdict.decision is Decision.DENY
    assert verdict.reason in {Reason.MALFORMED, Reason.BAD_SIGNATURE}


@pytest.mark.parametrize("value", [[0], {0: 0}], ids=repr)
def test_status_that_is_a_container_is_malformed_not_a_crash(value: object) -> None:
    claims = {**_online_claims(), STATUS: value}
    verdict = make_world().verifier().verify(_unsigned_code(claims), now=NOW)
    assert verdict.reason is Reason.MALFORMED


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_frame_with_a_hostile_holder_credential_is_denied(value: object) -> None:
    claims = {IAT: NOW, CTI: b"\x02" * 8, HOLDER_CREDENTIAL: value}
    verdict = make_world().verifier().verify(_unsigned_code(claims), now=NOW)
    assert verdict.decision is Decision.DENY

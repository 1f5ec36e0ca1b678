"""Online codes: every denial reason, the two-step check API and the raise-based API."""

from __future__ import annotations

import pytest

from citizen_code import (
    CodeClaims,
    Decision,
    IssuerKey,
    KeyRing,
    Mode,
    ParsedCode,
    Reason,
    RevocationList,
    Status,
    Verdict,
    _cose,
    b45decode,
    b45encode,
)
from citizen_code.errors import (
    CodeExpired,
    CodeNotYetValid,
    CodeReplayed,
    CodeRestricted,
    CodeTooLarge,
    KeyRetired,
    UnknownKey,
)
from tests.citizen_code.world import CODE_ID, DAY, ISSUER, NOW, make_world


def resign_payload(text: str, payload: bytes) -> str:
    """The same code with its payload swapped but the old signature kept (a forgery)."""
    message = _cose.parse_sign1(b45decode(text[4:]))
    protected = _cose.protected_header(kid=message.kid)
    return "SQ1:" + b45encode(_cose.encode_sign1(protected, payload, message.signature))


def test_verify_passes_a_fresh_code_with_its_claims() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.code(), now=NOW + 1)
    assert verdict.decision is Decision.PASS
    assert verdict.reason is Reason.OK
    assert verdict.passed
    assert verdict.claims is not None
    assert verdict.claims.code_id == CODE_ID
    assert verdict.claims.expires_at == NOW + 60


def test_the_pass_verdict_is_the_record_the_public_constructors_make() -> None:
    # The hot path builds these records with tuple.__new__; they must equal the constructors' own.
    world = make_world()
    text = world.code(cti=b"\x07" * 8, status=Status.RESTRICTED)
    verdict = world.verifier(deny_statuses=frozenset()).verify(text, now=NOW + 1)
    claims = CodeClaims(
        Mode.ONLINE, ISSUER, CODE_ID, Status.RESTRICTED, NOW, NOW + 60, b"\x07" * 8, world.ring.active.kid
    )
    assert verdict == Verdict(Decision.PASS, Reason.OK, claims)
    assert verdict.claims == claims
    assert verdict.claims.credential_issued_at is None
    assert verdict.detail == ""
    assert world.verifier().check(text, now=NOW + 1) == Verdict(
        Decision.DENY,
        Reason.RESTRICTED,
        claims,
        str(CodeRestricted(code_id=CODE_ID, status=Status.RESTRICTED)),
    )
    parsed = world.verifier(deny_statuses=frozenset()).check(text, now=NOW + 1)
    assert parsed == ParsedCode(claims, "o:" + "07" * 8, NOW + 60)


def test_verify_rejects_a_code_whose_payload_was_altered() -> None:
    world = make_world()
    code = world.code(status=Status.RESTRICTED)
    payload = _cose.parse_sign1(b45decode(code[4:])).payload
    assert payload.endswith(b"\x01")
    forged = resign_payload(code, payload[:-1] + b"\x00")  # restricted -> normal
    verdict = world.verifier().verify(forged, now=NOW)
    assert verdict.reason is Reason.BAD_SIGNATURE
    assert verdict.claims is None


def test_verify_rejects_a_code_signed_by_another_key_under_a_trusted_kid() -> None:
    world = make_world()
    impostor = IssuerKey.generate()
    payload = _cose.parse_sign1(b45decode(world.code()[4:])).payload
    protected = _cose.protected_header(kid=world.ring.active.kid)
    forged = "SQ1:" + b45encode(_cose.sign1(impostor, protected, payload))
    assert world.verifier().verify(forged, now=NOW).reason is Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SQ2:BB8",
        "sq1:BB8",
        "SQ1:",
        "SQ1:bb8",  # lowercase is not Base45
        "SQ1:BB8 ",  # a trailing space is a digit; the length is then wrong
        "SQ1:" + b45encode(b"\xd2\x84\x40\xa0\x40\x40"),  # COSE shape with empty parts
        "SQ1:" + b45encode(b"\x01"),
        "https://example.com/SQ1:BB8",
    ],
)
def test_verify_reports_malformed_for_text_that_is_not_a_code(text: str) -> None:
    verdict = make_world().verifier().verify(text, now=NOW)
    assert verdict.decision is Decision.DENY
    assert verdict.reason is Reason.MALFORMED


def test_verify_reports_malformed_for_a_code_with_an_extra_claim() -> None:
    world = make_world()
    from citizen_code import _cbor

    payload = _cbor.encode({1: "suqian", 2: CODE_ID, 4: NOW + 60, 6: NOW, 7: b"12345678", -70002: 0, 99: "x"})
    protected = _cose.protected_header(kid=world.ring.active.kid)
    text = "SQ1:" + b45encode(_cose.sign1(world.ring.active, protected, payload))
    assert world.verifier().verify(text, now=NOW).reason is Reason.MALFORMED


def test_inspect_refuses_text_over_1000_characters_before_decoding() -> None:
    with pytest.raises(CodeTooLarge) as caught:
        make_world().verifier().inspect("SQ1:" + "0" * 997, now=NOW)
    assert (caught.value.size, caught.value.limit) == (1001, 1000)


def test_inspect_refuses_cbor_over_600_bytes_before_parsing() -> None:
    text = "SQ1:" + b45encode(bytes(601))
    with pytest.raises(CodeTooLarge) as caught:
        make_world().verifier().inspect(text, now=NOW)
    assert caught.value.size == 601


def test_verify_rejects_an_expired_code_and_keeps_its_verified_claims() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.code(ttl=60), now=NOW + 60)
    assert verdict.reason is Reason.EXPIRED
    assert verdict.claims is not None
    assert verdict.claims.code_id == CODE_ID


def test_verify_passes_a_code_in_its_last_second() -> None:
    world = make_world()
    assert world.verifier().verify(world.code(ttl=60), now=NOW + 59).passed


def test_verify_rejects_a_code_from_beyond_the_clock_skew() -> None:
    world = make_world()
    code = world.code()
    assert world.verifier().verify(code, now=NOW - 16).reason is Reason.NOT_YET_VALID
    assert world.verifier().verify(code, now=NOW - 15).passed


def test_clock_skew_is_configurable() -> None:
    world = make_world()
    verifier = world.verifier(clock_skew=30)
    assert verifier.verify(world.code(), now=NOW - 30).passed


def test_verify_rejects_a_code_shown_twice() -> None:
    world = make_world()
    verifier, code = world.verifier(), world.code()
    assert verifier.verify(code, now=NOW).passed
    second = verifier.verify(code, now=NOW + 1)
    assert second.reason is Reason.REPLAYED
    assert second.claims is not None


def test_distinct_codes_for_one_citizen_each_pass_once() -> None:
    world = make_world()
    verifier = world.verifier()
    assert verifier.verify(world.code(cti=b"first---"), now=NOW).passed
    assert verifier.verify(world.code(cti=b"second--"), now=NOW).passed


def test_verify_rejects_a_code_issued_before_its_code_id_was_revoked() -> None:
    world = make_world(revocations=RevocationList([(CODE_ID, NOW + 1)]))
    verdict = world.verifier().verify(world.code(), now=NOW + 2)
    assert verdict.reason is Reason.REVOKED


def test_verify_passes_a_code_issued_after_its_code_id_was_revoked() -> None:
    world = make_world(revocations=RevocationList([(CODE_ID, NOW - 10)]))
    assert world.verifier().verify(world.code(), now=NOW).passed


def test_verify_rejects_a_code_whose_kid_is_not_on_the_trust_list() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.code(key=IssuerKey.generate()), now=NOW)
    assert verdict.reason is Reason.UNKNOWN_KID


def test_verify_rejects_a_code_signed_by_a_rotated_out_key() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - 3 * DAY)
    world = make_world(ring=ring.prune(now=NOW))
    assert world.ring.find(old.kid) is None
    verdict = world.verifier().verify(world.code(key=old), now=NOW)
    assert verdict.reason is Reason.UNKNOWN_KID


def test_verify_passes_a_code_a_retired_key_signed_before_retirement() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW + 30)
    world = make_world(ring=ring)
    assert world.verifier().verify(world.code(key=old), now=NOW + 31).passed


def test_verify_rejects_a_code_a_retired_key_signed_after_retirement() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - 60)
    world = make_world(ring=ring)
    verdict = world.verifier().verify(world.code(key=old), now=NOW)
    assert verdict.reason is Reason.KEY_RETIRED


def test_inspect_raises_key_retired_once_the_key_is_past_its_trust_window() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - 2 * DAY)
    world = make_world(ring=ring)
    with pytest.raises(KeyRetired) as caught:
        world.verifier().inspect(world.code(key=old, now=NOW - 2 * DAY - 10), now=NOW)
    assert caught.value.kid == old.kid
    assert caught.value.retired_at == NOW  # retired_at + 48 h


def test_verify_rejects_a_restricted_code_by_default() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.code(status=Status.RESTRICTED), now=NOW)
    assert verdict.reason is Reason.RESTRICTED
    assert verdict.claims is not None
    assert verdict.claims.status is Status.RESTRICTED


def test_a_policy_without_denied_statuses_passes_a_restricted_code() -> None:
    world = make_world()
    verifier = world.verifier(deny_statuses=frozenset())
    verdict = verifier.verify(world.code(status=Status.RESTRICTED), now=NOW)
    assert verdict.passed
    assert verdict.claims is not None
    assert verdict.claims.status is Status.RESTRICTED


def test_verify_rejects_a_code_for_another_issuer() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.code(issuer="elsewhere"), now=NOW)
    assert verdict.reason is Reason.WRONG_ISSUER


def test_check_leaves_the_replay_decision_to_the_caller() -> None:
    world = make_world()
    verifier, code = world.verifier(), world.code(cti=b"\x01" * 8)
    first = verifier.check(code, now=NOW)
    second = verifier.check(code, now=NOW)
    assert isinstance(first, ParsedCode)
    assert first == second  # check() records nothing
    assert first.replay_key == "o:" + "01" * 8
    assert first.replay_expires_at == NOW + 60
    assert first.accept().reason is Reason.OK
    assert first.replayed().reason is Reason.REPLAYED


def test_check_returns_a_deny_verdict_for_a_failed_check() -> None:
    world = make_world()
    result = world.verifier().check(world.code(), now=NOW + 600)
    assert isinstance(result, Verdict)
    assert result.reason is Reason.EXPIRED


def test_verify_or_raise_raises_errors_with_context() -> None:
    world = make_world()
    verifier, code = world.verifier(), world.code()
    with pytest.raises(CodeExpired) as expired:
        verifier.verify_or_raise(code, now=NOW + 60)
    assert expired.value.expired_at == NOW + 60
    with pytest.raises(CodeNotYetValid):
        verifier.verify_or_raise(code, now=NOW - 60)
    assert verifier.verify_or_raise(code, now=NOW).code_id == CODE_ID
    with pytest.raises(CodeReplayed) as replayed:
        verifier.verify_or_raise(code, now=NOW)
    assert replayed.value.claims is not None
    with pytest.raises(UnknownKey) as unknown:
        verifier.verify_or_raise(world.code(key=(stranger := IssuerKey.generate())), now=NOW)
    assert unknown.value.kid == stranger.kid


def test_verifier_reads_its_injected_clock_when_no_time_is_passed() -> None:
    world = make_world()
    code = world.code()
    assert world.verifier(clock=lambda: NOW + 1.9).verify(code).passed
    assert world.verifier(clock=lambda: NOW + 61.0).verify(code).reason is Reason.EXPIRED


def test_update_swaps_in_a_new_revocation_list() -> None:
    world = make_world()
    verifier = world.verifier()
    verifier.update(revocations=RevocationList([(CODE_ID, NOW + 1)]))
    assert verifier.verify(world.code(), now=NOW).reason is Reason.REVOKED

"""Offline device frames: every denial reason, the window, the credential cache, no network."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from citizen_code import (
    DeviceKey,
    FrameWindow,
    IssuerKey,
    KeyRing,
    Mode,
    ParsedCode,
    Reason,
    RevocationList,
    Status,
    _cbor,
    _claims,
    _cose,
    b45decode,
    b45encode,
)
from citizen_code._keys import verify_raw
from citizen_code.errors import InvalidClaims
from tests.citizen_code.world import CODE_ID, DAY, ISSUER, NOW, make_world


def test_verify_passes_a_fresh_frame_with_the_credential_claims() -> None:
    world = make_world()
    verdict = world.verifier().verify(world.frame(), now=NOW + 1)
    assert verdict.reason is Reason.OK
    assert verdict.claims is not None
    assert verdict.claims.mode is Mode.DEVICE
    assert verdict.claims.code_id == CODE_ID
    assert verdict.claims.kid == world.ring.active.kid
    assert verdict.claims.expires_at == NOW + 48 * 3600


def test_verify_rejects_a_frame_signed_by_a_device_the_credential_does_not_name() -> None:
    world = make_world()
    frame = world.frame(device=DeviceKey.generate())
    verdict = world.verifier().verify(frame, now=NOW)
    assert verdict.reason is Reason.BAD_SIGNATURE
    assert verdict.claims is None


def test_verify_rejects_a_frame_whose_credential_signature_was_altered() -> None:
    world = make_world()
    credential = bytearray(world.credential())
    credential[-1] ^= 0x80
    verdict = world.verifier().verify(world.frame(bytes(credential)), now=NOW)
    assert verdict.reason is Reason.BAD_SIGNATURE


def test_verify_rejects_a_frame_whose_credential_was_rebound_to_another_device() -> None:
    world = make_world()
    thief = DeviceKey.generate()
    genuine = _cose.parse_sign1(world.credential())
    claims = _claims.decode_claims(genuine.payload)
    claims[_claims.CNF] = {1: _cose.cose_key(thief.public_key)}
    protected = _cose.protected_header(kid=world.ring.active.kid)
    rebound = _cose.encode_sign1(protected, _cbor.encode(claims), genuine.signature)  # type: ignore[arg-type]
    verdict = world.verifier().verify(world.frame(rebound, device=thief), now=NOW)
    assert verdict.reason is Reason.BAD_SIGNATURE


def test_verify_rejects_a_frame_shown_twice() -> None:
    world = make_world()
    verifier, frame = world.verifier(), world.frame(nonce=b"\x00\x01\x02\x03")
    assert verifier.verify(frame, now=NOW).passed
    replay = verifier.verify(frame, now=NOW + 3)
    assert replay.reason is Reason.REPLAYED
    assert replay.claims is not None


def test_each_new_frame_of_one_phone_passes() -> None:
    world = make_world()
    verifier, credential = world.verifier(), world.credential()
    for offset in (0, 15, 30):
        assert verifier.verify(world.frame(credential, now=NOW + offset), now=NOW + offset).passed


def test_frame_replay_key_is_code_id_iat_and_nonce() -> None:
    world = make_world()
    parsed = world.verifier().check(world.frame(nonce=b"\xaa\xbb\xcc\xdd"), now=NOW)
    assert isinstance(parsed, ParsedCode)
    assert parsed.replay_key == f"f:{CODE_ID}:{NOW}:aabbccdd"
    assert parsed.replay_expires_at == NOW + 45 + 1


@pytest.mark.parametrize(("age", "reason"), [(45, Reason.OK), (46, Reason.EXPIRED)])
def test_frame_window_reaches_45_seconds_into_the_past(age: int, reason: Reason) -> None:
    world = make_world()
    assert world.verifier().verify(world.frame(), now=NOW + age).reason is reason


@pytest.mark.parametrize(("ahead", "reason"), [(15, Reason.OK), (16, Reason.NOT_YET_VALID)])
def test_frame_window_reaches_15_seconds_into_the_future(ahead: int, reason: Reason) -> None:
    world = make_world()
    frame = world.frame(now=NOW + ahead)
    assert world.verifier().verify(frame, now=NOW).reason is reason


def test_frame_window_is_configurable() -> None:
    world = make_world()
    verifier = world.verifier(frame_window=FrameWindow(past=10, future=0))
    assert verifier.verify(world.frame(), now=NOW + 11).reason is Reason.EXPIRED
    assert verifier.verify(world.frame(now=NOW + 1), now=NOW).reason is Reason.NOT_YET_VALID


def test_verify_rejects_a_frame_whose_credential_expired() -> None:
    world = make_world()
    credential = world.credential(now=NOW - 48 * 3600, ttl=48 * 3600)
    verdict = world.verifier().verify(world.frame(credential), now=NOW)
    assert verdict.reason is Reason.EXPIRED
    assert verdict.claims is not None


def test_verify_rejects_a_frame_whose_credential_is_from_the_future() -> None:
    world = make_world()
    credential = world.credential(now=NOW + 3600)
    assert world.verifier().verify(world.frame(credential), now=NOW).reason is Reason.NOT_YET_VALID


def test_verify_rejects_a_credential_issued_before_its_code_id_was_revoked() -> None:
    world = make_world(revocations=RevocationList([(CODE_ID, NOW)]))
    credential = world.credential(now=NOW - 3600)
    verdict = world.verifier().verify(world.frame(credential), now=NOW + 1)
    assert verdict.reason is Reason.REVOKED


def test_verify_passes_a_credential_issued_after_its_code_id_was_revoked() -> None:
    world = make_world(revocations=RevocationList([(CODE_ID, NOW - 3600)]))
    assert world.verifier().verify(world.frame(world.credential()), now=NOW).passed


def test_a_revocation_applies_to_a_credential_already_in_the_cache() -> None:
    world = make_world()
    verifier, credential = world.verifier(), world.credential(now=NOW - 60)
    assert verifier.verify(world.frame(credential), now=NOW).passed
    verifier.update(revocations=RevocationList([(CODE_ID, NOW)]))
    assert verifier.verify(world.frame(credential), now=NOW).reason is Reason.REVOKED


def test_verify_rejects_a_credential_from_an_unknown_issuer_key() -> None:
    world = make_world()
    credential = world.credential(key=IssuerKey.generate())
    assert world.verifier().verify(world.frame(credential), now=NOW).reason is Reason.UNKNOWN_KID


def test_verify_rejects_a_credential_from_a_rotated_out_key() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - 3 * DAY)
    world = make_world(ring=ring.prune(now=NOW))
    credential = world.credential(key=old, now=NOW - 3 * DAY - 60)
    assert world.verifier().verify(world.frame(credential), now=NOW).reason is Reason.UNKNOWN_KID


def test_verify_passes_a_credential_a_retired_key_signed_before_retirement() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - DAY)
    world = make_world(ring=ring)
    credential = world.credential(key=old, now=NOW - DAY - 60)
    assert world.verifier().verify(world.frame(credential), now=NOW).passed


def test_verify_rejects_a_credential_a_retired_key_signed_after_retirement() -> None:
    old = IssuerKey.generate()
    ring = KeyRing.start(old, now=NOW - 40 * DAY).rotate(IssuerKey.generate(), now=NOW - DAY)
    world = make_world(ring=ring)
    credential = world.credential(key=old, now=NOW - 60)
    assert world.verifier().verify(world.frame(credential), now=NOW).reason is Reason.KEY_RETIRED


def test_verify_rejects_a_frame_of_a_restricted_citizen_by_default() -> None:
    world = make_world()
    credential = world.credential(status=Status.RESTRICTED)
    verdict = world.verifier().verify(world.frame(credential), now=NOW)
    assert verdict.reason is Reason.RESTRICTED
    assert verdict.claims is not None
    assert verdict.claims.status is Status.RESTRICTED


def test_issuing_a_credential_for_longer_than_48_hours_is_refused() -> None:
    with pytest.raises(InvalidClaims, match="lifetime"):
        make_world().credential(ttl=48 * 3600 + 1)


def test_verify_rejects_a_credential_that_lives_longer_than_48_hours() -> None:
    world = make_world()
    payload = _claims.holder_payload(
        issuer=ISSUER,
        subject=CODE_ID,
        status=Status.NORMAL,
        iat=NOW,
        exp=NOW + 30 * DAY,
        device_key=_cose.cose_key(world.device.public_key),
    )
    protected = _cose.protected_header(kid=world.ring.active.kid)
    credential = _cose.sign1(world.ring.active, protected, payload)
    assert world.verifier().verify(world.frame(credential), now=NOW).reason is Reason.MALFORMED


def test_a_frame_that_names_a_kid_is_malformed() -> None:
    world = make_world()
    payload = _claims.frame_payload(iat=NOW, nonce=b"1234", holder_credential=world.credential())
    protected = _cose.protected_header(kid=world.ring.active.kid)
    text = "SQ1:" + b45encode(_cose.sign1(world.device, protected, payload))
    assert world.verifier().verify(text, now=NOW).reason is Reason.MALFORMED


def test_a_code_without_kid_that_embeds_no_credential_is_malformed() -> None:
    world = make_world()
    online = _cose.parse_sign1(b45decode(world.code()[4:]))
    text = "SQ1:" + b45encode(_cose.sign1(world.device, _cose.protected_header(), online.payload))
    assert world.verifier().verify(text, now=NOW).reason is Reason.MALFORMED


def test_a_known_credential_costs_one_signature_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = make_world()
    verifier, credential = world.verifier(), world.credential()
    calls: list[Any] = []

    def counting(*args: Any) -> bool:
        calls.append(args)
        return verify_raw(*args)

    monkeypatch.setattr("citizen_code._verify.verify_raw", counting)
    assert verifier.verify(world.frame(credential), now=NOW).passed
    assert len(calls) == 2  # credential + frame
    assert verifier.verify(world.frame(credential), now=NOW).passed
    assert len(calls) == 3  # frame only


def test_credential_cache_stays_bounded() -> None:
    world = make_world()
    verifier = world.verifier(credential_cache_size=4)
    for i in range(10):
        credential = world.credential(now=NOW - i)
        assert verifier.verify(world.frame(credential), now=NOW).passed
    assert len(verifier._credentials) <= 4


def test_offline_frame_verification_opens_no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world()
    verifier, frame = world.verifier(), world.frame()

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("verification tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert verifier.verify(frame, now=NOW).passed
    assert verifier.verify(world.code(), now=NOW).passed

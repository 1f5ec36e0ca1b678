"""Token Status List: the draft's published examples, the size budget, and token verification."""

from __future__ import annotations

import random
import zlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from tests.wallet.world import (
    AUD,
    ISS,
    ISSUER,
    NONCE,
    NOW,
    STRANGER,
    lookup,
    make_credential,
    make_presentation,
)
from wallet import Status, StatusList, read_status_list, sign_status_list, verify
from wallet._encoding import b64url_encode
from wallet._jws import sign_jws
from wallet.errors import (
    BadSignature,
    Expired,
    Malformed,
    Revoked,
    StatusUnavailable,
    WrongSubject,
    WrongType,
)

URI = "https://wallet.suqian.example/status/1"
# draft-ietf-oauth-status-list §4.1 (also its Appendix C test vectors).
DRAFT_1BIT = ("eNrbuRgAAhcBXQ", bytes([0xB9, 0xA3]), [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
DRAFT_2BIT = ("eNo76fITAAPfAgc", bytes([0xC9, 0x44, 0xF9]), [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3])


@pytest.mark.parametrize(("bits", "vector"), [(1, DRAFT_1BIT), (2, DRAFT_2BIT)])
def test_status_list_reads_and_rebuilds_the_drafts_examples(
    bits: int, vector: tuple[str, bytes, list[int]]
) -> None:
    lst, raw, statuses = vector
    decoded = StatusList.decode({"bits": bits, "lst": lst})
    assert decoded.to_bytes() == raw
    assert [decoded.get(i) for i in range(len(statuses))] == statuses
    built = StatusList(len(statuses), bits=bits)
    for idx, value in enumerate(statuses):
        built.set(idx, value)
    assert built.to_bytes() == raw
    assert built.encode() == {"bits": bits, "lst": lst}


@given(st.sampled_from([1, 2, 4, 8]), st.lists(st.integers(0, 255), min_size=1, max_size=300))
def test_status_list_round_trips_any_statuses(bits: int, values: list[int]) -> None:
    statuses = [v % (1 << bits) for v in values]
    built = StatusList(len(statuses), bits=bits)
    for idx, value in enumerate(statuses):
        built.set(idx, value)
    decoded = StatusList.decode(built.encode())
    assert [decoded.get(i) for i in range(len(statuses))] == statuses


def test_a_two_bit_shard_of_2_20_entries_at_1_percent_revoked_compresses_under_16_kib() -> None:
    shard = StatusList(1 << 20, bits=2)
    for idx in random.Random(20).sample(range(1 << 20), (1 << 20) // 100):
        shard.set(idx, Status.INVALID)
    assert len(shard.compressed()) < 16 * 1024


def test_status_list_refuses_out_of_range_indexes_and_oversized_values() -> None:
    shard = StatusList(16, bits=2)
    with pytest.raises(StatusUnavailable):
        shard.get(16)
    with pytest.raises(ValueError, match="fit"):
        shard.set(0, 4)


def test_status_list_refuses_a_zip_bomb_and_junk() -> None:
    bomb = b64url_encode(zlib.compress(bytes(1 << 23), 9))  # 8 MiB of zeros = 64 Mi 1-bit entries
    with pytest.raises(Malformed):
        StatusList.decode({"bits": 1, "lst": bomb})
    junk: tuple[object, ...] = (
        {"bits": 3, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": 1, "lst": "!!"},
        {"bits": 1, "lst": "AAAA"},
        [],
    )
    for claim in junk:
        with pytest.raises(Malformed):
            StatusList.decode(claim)


def _token(**overrides: object) -> str:
    shard = StatusList(128, bits=2)
    shard.set(42, Status.INVALID)
    shard.set(43, Status.SUSPENDED)
    arguments: dict[str, object] = {"uri": URI, "iat": NOW, "exp": NOW + 86_400, "ttl": 300, "iss": ISS}
    arguments.update(overrides)
    return sign_status_list(ISSUER, shard, **arguments)  # type: ignore[arg-type]


def test_read_status_list_returns_the_list_and_its_cache_times() -> None:
    token = read_status_list(
        _token(iss="https://wallet.suqian.example"), uri=URI, issuer_key_lookup=lookup, now=NOW
    )
    assert (token.status_list.get(42), token.status_list.get(43), token.status_list.get(0)) == (1, 2, 0)
    assert (token.iat, token.exp, token.ttl) == (NOW, NOW + 86_400, 300)


def test_read_status_list_rejects_wrong_typ_wrong_sub_forged_and_expired_tokens() -> None:
    def any_issuer(iss: str | None, kid: str | None) -> ec.EllipticCurvePublicKey | None:
        return ISSUER.public_key

    payload = {"sub": URI, "iat": NOW, "status_list": StatusList(8).encode()}
    wrong_typ = sign_jws(ISSUER, {"alg": "ES256", "typ": "JWT", "kid": ISSUER.kid}, payload)
    with pytest.raises(WrongType):
        read_status_list(wrong_typ, uri=URI, issuer_key_lookup=any_issuer, now=NOW)
    with pytest.raises(WrongSubject):
        read_status_list(_token(uri=URI + "0"), uri=URI, issuer_key_lookup=any_issuer, now=NOW)
    with pytest.raises(BadSignature):
        read_status_list(_token(), uri=URI, issuer_key_lookup=lambda iss, kid: STRANGER.public_key, now=NOW)
    with pytest.raises(Expired):
        read_status_list(_token(), uri=URI, issuer_key_lookup=any_issuer, now=NOW + 86_400 + 60)


def test_verify_with_a_status_list_rejects_the_revoked_index() -> None:
    lists = {URI: read_status_list(_token(), uri=URI, issuer_key_lookup=lookup, now=NOW).status_list}

    def check(uri: str, idx: int) -> int:
        return lists[uri].get(idx)

    presentation = make_presentation(make_credential(status_uri=URI, status_idx=42))
    with pytest.raises(Revoked):
        verify(presentation, issuer_key_lookup=lookup, audience=AUD, nonce=NONCE, now=NOW, status_check=check)
    fine = make_presentation(make_credential(status_uri=URI, status_idx=7))
    result = verify(fine, issuer_key_lookup=lookup, audience=AUD, nonce=NONCE, now=NOW, status_check=check)
    assert result.status is Status.VALID

"""Holder presentation rules, JWK helpers, size budgets (research T5), and hostile input fuzzing."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wallet.world import (
    AUD,
    CLAIMS,
    HOLDER,
    ISSUER,
    NONCE,
    NOW,
    STRANGER,
    lookup,
    make_credential,
    make_presentation,
    status_valid,
)
from wallet import (
    SigningKey,
    bench,
    jwk_thumbprint,
    jwks,
    jwks_lookup,
    key_from_jwk,
    load_log_export,
    present,
    public_jwk,
    read_status_list,
    verify,
)
from wallet.errors import BadSignature, InvalidClaims, InvalidKey, Rejected, UnknownClaimPath, WalletError

PRESENTATION = make_presentation()


def test_issued_credential_with_twelve_fields_fits_in_3_kb() -> None:
    credential = make_credential()
    assert len(CLAIMS) == 12
    assert len(credential.compact) <= 3000


def test_presentation_of_five_fields_fits_in_2_5_kb() -> None:
    assert len(PRESENTATION) <= 2500


def test_decoy_digests_pad_the_root_and_every_verifier_ignores_them() -> None:
    assert len(make_credential(claims={"a": 1}).payload["_sd"]) == 4
    credential = make_credential(decoys=5)
    assert len(credential.payload["_sd"]) == len(CLAIMS) + 5
    presentation = make_presentation(credential)
    assert (
        verify(
            presentation,
            issuer_key_lookup=lookup,
            audience=AUD,
            nonce=NONCE,
            now=NOW,
            status_check=status_valid,
        ).claims["name"]
        == "张三"
    )


def test_present_refuses_a_credential_whose_issuer_signature_fails() -> None:
    with pytest.raises(BadSignature):
        present(
            make_credential(),
            disclose=[("name",)],
            holder_key=HOLDER,
            issuer_key_lookup=lambda iss, kid: STRANGER.public_key,
            aud=AUD,
            nonce=NONCE,
            iat=NOW,
        )


def test_present_refuses_another_holders_key_and_unknown_paths() -> None:
    with pytest.raises(InvalidKey):
        make_presentation(holder_key=STRANGER)
    with pytest.raises(UnknownClaimPath):
        make_presentation(disclose=[("no_such_claim",)])
    with pytest.raises(UnknownClaimPath):
        make_presentation(disclose=[("endorsements", 9)])


def test_present_of_a_parent_path_discloses_everything_beneath_it() -> None:
    result = verify(
        make_presentation(disclose=[("address",), ("endorsements",)]),
        issuer_key_lookup=lookup,
        audience=AUD,
        nonce=NONCE,
        now=NOW,
        status_check=status_valid,
    )
    assert result.claims["address"] == CLAIMS["address"]
    assert result.claims["endorsements"] == CLAIMS["endorsements"]
    assert "name" not in result.claims


def test_issue_refuses_reserved_and_always_visible_claim_names() -> None:
    forbidden: tuple[dict[str, Any], ...] = (
        {"exp": 1},
        {"status": {}},
        {"a": {"_sd": []}},
        {"a": float("nan")},
        {"a": object()},
    )
    for claims in forbidden:
        with pytest.raises(InvalidClaims):
            make_credential(claims=claims)


def test_jwk_helpers_round_trip_and_match_rfc_7638() -> None:
    # RFC 7638 §3.1 only gives an RSA example; the thumbprint is checked against joserfc instead.
    from joserfc.jwk import ECKey

    jwk = public_jwk(HOLDER.public_key)
    assert key_from_jwk(jwk).public_numbers() == HOLDER.public_key.public_numbers()
    assert jwk_thumbprint(jwk) == ECKey.import_key(dict(jwk)).thumbprint() == HOLDER.kid
    document = jwks([ISSUER, STRANGER.public_key])
    assert set(jwks_lookup(document)) == {ISSUER.kid, STRANGER.kid}
    assert all(k["alg"] == "ES256" and k["use"] == "sig" for k in document["keys"])
    for bad in ({"kty": "RSA"}, {**jwk, "d": "AA"}, {**jwk, "x": jwk["y"]}, {**jwk, "x": "short"}):
        with pytest.raises(InvalidKey):
            key_from_jwk(bad)


def test_signing_key_keeps_its_secret_out_of_repr_and_pickles() -> None:
    import pickle

    key = SigningKey.generate()
    assert "PRIVATE" not in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    assert SigningKey.from_pem(key.to_pem(password=b"pw"), password=b"pw").kid == key.kid


def test_bench_reports_rates_from_one_process() -> None:
    result = bench.run(presentations=3, rounds=1, now=NOW)
    assert result.verifies_per_s > 0
    assert result.ratio == result.verifies_per_s / result.raw_pairs_per_s


def _verify(text: object) -> None:
    verify(text, issuer_key_lookup=lookup, audience=AUD, nonce=NONCE, now=NOW, status_check=status_valid)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.binary(max_size=100), st.integers(), st.none()))
def test_verify_raises_only_rejected_for_garbage(garbage: object) -> None:
    with pytest.raises(Rejected):
        _verify(garbage)


_ALPHABET = '~.-_=AZaz09{}[]":,e\x00é'


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(PRESENTATION) - 1), st.sampled_from(_ALPHABET), st.integers(0, 2)),
        min_size=1,
        max_size=4,
    )
)
def test_verify_raises_only_rejected_for_mutated_presentations(edits: list[tuple[int, str, int]]) -> None:
    text = PRESENTATION
    for position, char, kind in edits:
        position %= len(text) or 1
        text = (
            text[:position] + char + text[position + 1 :]
            if kind == 0
            else text[:position] + char + text[position:]
            if kind == 1
            else text[:position] + text[position + 1 :]
        )
    try:
        _verify(text)
    except Rejected:
        return
    assert text == PRESENTATION or text.rsplit("~", 1)[0] == PRESENTATION.rsplit("~", 1)[0]


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_JSONISH)
def test_status_token_and_log_export_readers_raise_only_wallet_errors(value: object) -> None:
    text = json.dumps(value)
    with pytest.raises(WalletError):
        read_status_list(text, uri="u", issuer_key_lookup=lookup, now=NOW)
    with contextlib.suppress(WalletError):
        load_log_export(text)

"""Our verifier: the happy path, then research §6.2's negative matrix, each case its own error code."""

from __future__ import annotations

from typing import Any

import pytest
from jwcrypto import jwk as jwcrypto_jwk
from sd_jwt.verifier import SDJWTVerifier

from tests.wallet.world import (
    AUD,
    HOLDER,
    ISS,
    ISSUER,
    NONCE,
    NOW,
    STATUS_URI,
    STRANGER,
    VCT,
    bind,
    lookup,
    make_credential,
    make_presentation,
    seeded,
    sign_issuer_jwt,
    status_valid,
)
from wallet import Status, VerifiedCredential, jwks, public_jwk, verify
from wallet._disclosure import digest_of, encode_disclosure
from wallet.errors import (
    BadDisclosure,
    BadSignature,
    DuplicateDigest,
    Expired,
    KeyBindingInvalid,
    KeyBindingMissing,
    KeyBindingStale,
    MissingClaim,
    NotYetValid,
    Rejected,
    Revoked,
    SdHashMismatch,
    StatusUnavailable,
    StatusUnrecognised,
    Suspended,
    TooLarge,
    UnknownIssuerKey,
    UnreferencedDisclosure,
    UnsupportedAlgorithm,
    WrongAudience,
    WrongNonce,
    WrongSlot,
    WrongType,
)


def _verify(presentation: str, **overrides: Any) -> VerifiedCredential:
    arguments: dict[str, Any] = {
        "issuer_key_lookup": lookup,
        "audience": AUD,
        "nonce": NONCE,
        "now": NOW,
        "status_check": status_valid,
    }
    arguments.update(overrides)
    return verify(presentation, **arguments)


def _payload(**claims: Any) -> dict[str, Any]:
    base = {
        "iss": ISS,
        "vct": VCT,
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 3600,
        "cnf": {"jwk": public_jwk(HOLDER.public_key)},
        "status": {"status_list": {"idx": 3, "uri": STATUS_URI}},
        "_sd_alg": "sha-256",
    }
    base.update(claims)
    return {k: v for k, v in base.items() if v is not None}


def _hostile(payload: dict[str, Any], disclosures: list[str], **kb: Any) -> str:
    return bind(sign_issuer_jwt(payload) + "~" + "".join(d + "~" for d in disclosures), **kb)


def _reference(presentation: str) -> SDJWTVerifier:
    key = jwcrypto_jwk.JWK(**jwks([ISSUER])["keys"][0])
    return SDJWTVerifier(presentation, lambda iss, header: key, expected_aud=AUD, expected_nonce=NONCE)


def test_verify_returns_only_the_disclosed_claims_and_their_paths() -> None:
    result = _verify(make_presentation())
    assert result.claims["name"] == "张三"
    assert result.claims["address"] == {"locality": "宿迁市"}
    assert result.claims["endorsements"] == ["B"]  # no {"...": d} placeholder for the undisclosed "A"
    assert "birth_date" not in result.claims
    assert not {"_sd", "_sd_alg"} & result.claims.keys()
    assert set(result.disclosed) == {
        ("name",),
        ("licence_class",),
        ("address",),
        ("address", "locality"),
        ("valid_until",),
        ("endorsements",),
        ("endorsements", 1),
    }
    assert (result.iss, result.vct, result.kid, result.status) == (ISS, VCT, ISSUER.kid, Status.VALID)
    assert (result.status_ref.uri, result.status_ref.idx) == (STATUS_URI, 42)
    assert result.key_binding is not None
    assert result.key_binding.nonce == NONCE
    assert result.header["typ"] == "dc+sd-jwt"


def test_issuance_is_deterministic_with_injected_randomness_and_differs_without() -> None:
    # ECDSA signatures are randomised; the salts, decoys and so the payload are not.
    first, again, other = make_credential(), make_credential(), make_credential(rng=seeded(8))
    assert (first.payload, first.disclosures) == (again.payload, again.disclosures)
    assert first.payload["_sd"] != other.payload["_sd"]


def test_verify_rejects_a_tampered_disclosure() -> None:
    parts = make_presentation().split("~")
    parts[2] = parts[2][:-1] + ("A" if parts[2][-1] != "A" else "B")
    with pytest.raises((UnreferencedDisclosure, BadDisclosure)):
        _verify("~".join(parts))


def test_verify_rejects_a_3_element_disclosure_in_an_array_slot() -> None:
    d = encode_disclosure("c2FsdA", "name", "x")
    with pytest.raises(WrongSlot) as caught:
        _verify(_hostile(_payload(arr=[{"...": digest_of(d)}]), [d]))
    assert caught.value.code == "wrong_slot"


def test_verify_rejects_a_2_element_disclosure_in_sd() -> None:
    d = encode_disclosure("c2FsdA", None, "x")
    with pytest.raises(WrongSlot):
        _verify(_hostile(_payload(_sd=[digest_of(d)]), [d]))


def test_verify_rejects_a_missing_kb_jwt_when_binding_is_required() -> None:
    without = make_presentation().rsplit("~", 1)[0] + "~"
    with pytest.raises(KeyBindingMissing):
        _verify(without)
    assert _verify(without, require_key_binding=False).key_binding is None


def test_verify_rejects_a_kb_jwt_signed_by_another_key() -> None:
    hashed = make_presentation().rsplit("~", 1)[0] + "~"
    with pytest.raises(KeyBindingInvalid) as caught:
        _verify(bind(hashed, key=STRANGER))
    assert caught.value.code == "key_binding_invalid"


@pytest.mark.parametrize(("field", "error"), [("aud", WrongAudience), ("nonce", WrongNonce)])
def test_verify_rejects_a_kb_jwt_for_another_verifier_or_request(field: str, error: type[Rejected]) -> None:
    hashed = make_presentation().rsplit("~", 1)[0] + "~"
    wrong: dict[str, Any] = {field: "someone-else"}
    with pytest.raises(error):
        _verify(bind(hashed, **wrong))
    with pytest.raises(ValueError, match=f"Invalid {'audience' if field == 'aud' else 'nonce'}"):
        _reference(bind(hashed, **wrong))


def test_verify_rejects_a_sd_hash_over_a_different_disclosure_set() -> None:
    parts = make_presentation().split("~")
    dropped = "~".join(parts[:2] + parts[3:])  # a disclosure removed after the holder signed
    with pytest.raises(SdHashMismatch):
        _verify(dropped)
    with pytest.raises(ValueError, match="Invalid digest"):
        _reference(dropped)


def test_verify_rejects_duplicate_digests_in_the_payload() -> None:
    d = encode_disclosure("c2FsdA", "name", "x")
    duplicated = _hostile(_payload(_sd=[digest_of(d), digest_of(d)]), [d])
    with pytest.raises(DuplicateDigest):
        _verify(duplicated)
    with pytest.raises(ValueError, match="Duplicate"):
        _reference(duplicated).get_verified_payload()


def test_verify_rejects_a_disclosure_presented_twice() -> None:
    d = encode_disclosure("c2FsdA", "name", "x")
    with pytest.raises(DuplicateDigest):
        _verify(_hostile(_payload(_sd=[digest_of(d)]), [d, d]))


def test_verify_rejects_an_unreferenced_disclosure() -> None:
    stray = encode_disclosure("c2FsdA", "name", "李四")
    hashed = make_presentation().rsplit("~", 1)[0] + "~" + stray + "~"
    with pytest.raises(UnreferencedDisclosure):
        _verify(bind(hashed))


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_verify_rejects_a_disclosure_with_a_reserved_claim_name(name: str) -> None:
    d = encode_disclosure("c2FsdA", name, "x")
    with pytest.raises(BadDisclosure):
        _verify(_hostile(_payload(_sd=[digest_of(d)]), [d]))


def test_verify_rejects_a_disclosure_that_overwrites_a_plain_claim() -> None:
    d = encode_disclosure("c2FsdA", "name", "x")
    with pytest.raises(BadDisclosure):
        _verify(_hostile(_payload(name="y", _sd=[digest_of(d)]), [d]))


def test_verify_rejects_an_expired_credential_whose_exp_sits_inside_a_disclosure() -> None:
    d = encode_disclosure("c2FsdA", "exp", NOW - 3600)
    with pytest.raises(Expired) as caught:
        _verify(_hostile(_payload(exp=None, _sd=[digest_of(d)]), [d]))
    assert caught.value.exp == NOW - 3600


def test_verify_rejects_a_current_exp_hidden_in_a_disclosure_or_withheld() -> None:
    d = encode_disclosure("c2FsdA", "exp", NOW + 3600)
    with pytest.raises(BadDisclosure):
        _verify(_hostile(_payload(exp=None, _sd=[digest_of(d)]), [d]))
    with pytest.raises(MissingClaim):
        _verify(_hostile(_payload(exp=None, _sd=[digest_of(d)]), []))


def test_verify_honours_the_leeway_on_exp_and_nbf() -> None:
    late = NOW + 86_400 + 59
    _verify(make_presentation(iat=late), now=late)
    with pytest.raises(Expired):
        _verify(make_presentation(iat=late + 1), now=late + 1)
    early = make_credential(iat=NOW + 60, exp=NOW + 7200)
    _verify(make_presentation(early))
    with pytest.raises(NotYetValid):
        _verify(make_presentation(make_credential(iat=NOW + 61, exp=NOW + 7200)))


def test_verify_rejects_a_not_yet_valid_credential() -> None:
    with pytest.raises(NotYetValid):
        _verify(make_presentation(make_credential(iat=NOW + 3600, exp=NOW + 7200)))


@pytest.mark.parametrize(
    ("value", "error"), [(Status.INVALID, Revoked), (Status.SUSPENDED, Suspended), (3, StatusUnrecognised)]
)
def test_verify_rejects_revoked_suspended_and_unknown_statuses(value: int, error: type[Rejected]) -> None:
    asked: list[tuple[str, int]] = []

    def check(uri: str, idx: int) -> int:
        asked.append((uri, idx))
        return value

    with pytest.raises(error):
        _verify(make_presentation(), status_check=check)
    assert asked == [(STATUS_URI, 42)]


def test_verify_fails_closed_when_the_status_is_unavailable() -> None:
    def unavailable(uri: str, idx: int) -> int:
        raise StatusUnavailable("list older than its exp")

    with pytest.raises(StatusUnavailable):
        _verify(make_presentation(), status_check=unavailable)


@pytest.mark.parametrize(
    ("iat", "ok"), [(NOW - 300, True), (NOW + 60, True), (NOW - 301, False), (NOW + 61, False)]
)
def test_verify_bounds_the_kb_jwt_iat(iat: int, ok: bool) -> None:
    presentation = make_presentation(iat=iat)
    if ok:
        _verify(presentation)
    else:
        with pytest.raises(KeyBindingStale):
            _verify(presentation)


def test_verify_refuses_oversized_input_before_parsing() -> None:
    with pytest.raises(TooLarge) as caught:
        _verify("A" * 40_000)
    assert (caught.value.code, caught.value.limit) == ("too_large", 32_768)
    with pytest.raises(TooLarge):
        _verify(make_presentation(), max_bytes=1000)


def test_verify_rejects_an_unknown_issuer_key_a_forged_signature_and_a_wrong_typ() -> None:
    with pytest.raises(UnknownIssuerKey):
        _verify(make_presentation(), issuer_key_lookup=lambda iss, kid: None)
    forged = sign_issuer_jwt(_payload(), key=STRANGER).replace(STRANGER.kid, ISSUER.kid)
    with pytest.raises((BadSignature, UnknownIssuerKey)):
        _verify(bind(forged + "~"))
    with pytest.raises(WrongType):
        _verify(bind(sign_issuer_jwt(_payload(), typ="vc+sd-jwt") + "~"))


def test_verify_rejects_a_forged_signature_under_the_issuer_kid() -> None:
    from wallet import SigningKey

    impostor = SigningKey(STRANGER._private, kid=ISSUER.kid)
    with pytest.raises(BadSignature):
        _verify(bind(sign_issuer_jwt(_payload(), key=impostor) + "~"))


def test_verify_rejects_alg_none() -> None:
    unsigned = make_presentation().replace(make_presentation().split(".")[0], "eyJhbGciOiJub25lIn0", 1)
    with pytest.raises(UnsupportedAlgorithm):
        _verify(unsigned)

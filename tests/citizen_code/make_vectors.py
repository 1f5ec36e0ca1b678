"""Write the golden vectors in vectors/ (run by hand: ``uv run python -m tests.citizen_code.make_vectors``).

Every stage is recorded. ECDSA is randomised and ``cryptography`` offers no deterministic
(RFC 6979) mode, so a vector stores the signature it got; the tests verify that signature
and re-encode every other stage byte for byte. Regenerating therefore changes signatures
(and keys): commit the new files together with the format change that required them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from citizen_code import DeviceKey, IssuerKey, KeyRing, Status, _claims, _cose, b45encode
from citizen_code._trust import sign_trust_list

HERE = Path(__file__).parent / "vectors"
NOW = 1_800_000_000
ISSUER = "suqian"
CODE_ID = "aebagbafaydqqcik"  # generate_code_id(bytes(range(10)))


def _signed(key: IssuerKey | DeviceKey, protected: bytes, payload: bytes) -> dict[str, str]:
    to_be_signed = _cose.sig_structure(protected, payload)
    signature = key.sign(to_be_signed)
    return {
        "protected_hex": protected.hex(),
        "payload_hex": payload.hex(),
        "sig_structure_hex": to_be_signed.hex(),
        "signature_hex": signature.hex(),
        "cose_hex": _cose.encode_sign1(protected, payload, signature).hex(),
    }


def online_vector(issuer_key: IssuerKey) -> dict[str, Any]:
    cti = "0001020304050607"
    claims = {
        "iss": ISSUER,
        "sub": CODE_ID,
        "iat": NOW,
        "exp": NOW + 60,
        "cti": cti,
        "status": "restricted",
    }
    payload = _claims.online_payload(
        issuer=ISSUER,
        subject=CODE_ID,
        status=Status.RESTRICTED,
        iat=NOW,
        exp=NOW + 60,
        cti=bytes.fromhex(cti),
    )
    stages = _signed(issuer_key, _cose.protected_header(kid=issuer_key.kid), payload)
    return {
        "claims": claims,
        **stages,
        "text": "SQ1:" + b45encode(bytes.fromhex(stages["cose_hex"])),
    }


def frame_vector(issuer_key: IssuerKey, device_key: DeviceKey) -> dict[str, Any]:
    credential_claims = {
        "iss": ISSUER,
        "sub": CODE_ID,
        "iat": NOW - 3600,
        "exp": NOW - 3600 + 48 * 3600,
        "status": "normal",
        "cnf_cose_key": {"kty": 2, "crv": 1, "x_hex": "", "y_sign": False},
    }
    cose_key = _cose.cose_key(device_key.public_key)
    credential_claims["cnf_cose_key"] = {
        "kty": 2,
        "crv": 1,
        "x_hex": cose_key[-2].hex(),  # type: ignore[union-attr]
        "y_sign": cose_key[-3],
    }
    credential_payload = _claims.holder_payload(
        issuer=ISSUER,
        subject=CODE_ID,
        status=Status.NORMAL,
        iat=NOW - 3600,
        exp=NOW - 3600 + 48 * 3600,
        device_key=cose_key,
    )
    credential = _signed(issuer_key, _cose.protected_header(kid=issuer_key.kid), credential_payload)
    nonce = "0a0b0c0d"
    frame_claims = {"iat": NOW - 5, "cti": nonce}
    frame_payload = _claims.frame_payload(
        iat=NOW - 5,
        nonce=bytes.fromhex(nonce),
        holder_credential=bytes.fromhex(credential["cose_hex"]),
    )
    frame = _signed(device_key, _cose.protected_header(), frame_payload)
    return {
        "holder_credential": {"claims": credential_claims, **credential},
        "frame": {
            "claims": frame_claims,
            **frame,
            "text": "SQ1:" + b45encode(bytes.fromhex(frame["cose_hex"])),
        },
    }


def main() -> None:
    anchor, issuer_key, device_key = IssuerKey.generate(), IssuerKey.generate(), DeviceKey.generate()
    ring = KeyRing.start(issuer_key, now=NOW - 86400)
    trust_list = sign_trust_list(anchor, ring.trusted_keys(), issuer=ISSUER, now=NOW, sequence=7)
    keys = {
        "note": "test-only keys; never use them anywhere else",
        "anchor_private_pem": anchor.to_pem().decode(),
        "anchor_public_pem": anchor.public_pem().decode(),
        "issuer_private_pem": issuer_key.to_pem().decode(),
        "issuer_public_pem": issuer_key.public_pem().decode(),
        "issuer_kid_hex": issuer_key.kid.hex(),
        "device_private_pem": device_key.to_pem().decode(),
    }
    document = {
        "description": "SQ1 citizen code golden vectors; times are seconds since the epoch",
        "now": NOW,
        "keys": keys,
        "trust_list": {
            "issuer": ISSUER,
            "sequence": 7,
            "key_not_before": NOW - 86400,
            "key_not_after": NOW - 86400 + 30 * 86400 + 2 * 86400,
            "cose_hex": trust_list.hex(),
        },
        "online_code": online_vector(issuer_key),
        "device_frame": frame_vector(issuer_key, device_key),
    }
    HERE.mkdir(exist_ok=True)
    (HERE / "sq1.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

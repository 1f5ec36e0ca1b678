"""CPU cost of verifying an SD-JWT VC presentation against the raw ES256 verifies it contains.

A presentation check is two P-256 verifies (issuer JWT, KB-JWT) plus parsing, hashing and
policy. ``run()`` measures both in one process; research target T1 is p95 <= 3 ms per
verification. Nothing here asserts a speed; it only measures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from wallet._jws import parse_jws
from wallet._keys import SigningKey, verify_es256
from wallet._sdjwt import issue, present
from wallet._verify import verify

_CLAIMS = {
    "name": "张三",
    "birth_date": "1990-01-01",
    "licence_number": "32130219900101",
    "licence_class": "C1",
    "address": {"locality": "宿迁市", "street": "人民大道 1 号"},
}
_PATHS = [("name",), ("licence_class",), ("address", "locality")]


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Verifications per second; ``ratio`` is full verification over two bare ES256 verifies."""

    verifies_per_s: float
    raw_pairs_per_s: float
    presentations: int
    rounds: int
    presentation_bytes: int

    @property
    def ratio(self) -> float:
        """Full presentation verification throughput as a fraction of two raw ECDSA verifies."""
        return self.verifies_per_s / self.raw_pairs_per_s


def run(*, presentations: int = 200, rounds: int = 5, now: int | None = None) -> BenchResult:
    """Measure ``verify`` on distinct presentations; the best round of each loop counts."""
    now = int(time.time()) if now is None else now
    issuer, holder = SigningKey.generate(), SigningKey.generate()

    def lookup(iss: str | None, kid: str | None) -> ec.EllipticCurvePublicKey | None:
        return issuer.public_key if kid == issuer.kid else None

    texts = []
    for i in range(presentations):
        credential = issue(
            issuer,
            iss="https://bench.example",
            vct="urn:bench",
            claims=_CLAIMS,
            holder_key=holder.public_key,
            status_uri="https://bench.example/s/1",
            status_idx=i,
            iat=now,
            exp=now + 3600,
        )
        texts.append(
            present(
                credential,
                disclose=_PATHS,
                holder_key=holder,
                issuer_key_lookup=lookup,
                aud="bench",
                nonce=f"n{i}",
                iat=now,
            ).compact
        )
    raw = []
    for text in texts:
        issuer_jwt, kb_jwt = text.split("~")[0], text.rsplit("~", 1)[1]
        a, b = parse_jws(issuer_jwt, what="bench"), parse_jws(kb_jwt, what="bench")
        raw.append((a.signature, a.signing_input, b.signature, b.signing_input))
    best_full = best_raw = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for i, text in enumerate(texts):
            verify(
                text,
                issuer_key_lookup=lookup,
                audience="bench",
                nonce=f"n{i}",
                now=now,
                status_check=lambda uri, idx: 0,
            )
        best_full = min(best_full, time.perf_counter() - start)
        start = time.perf_counter()
        for sig_a, data_a, sig_b, data_b in raw:
            verify_es256(issuer.public_key, sig_a, data_a)
            verify_es256(holder.public_key, sig_b, data_b)
        best_raw = min(best_raw, time.perf_counter() - start)
    return BenchResult(
        presentations / best_full, presentations / best_raw, presentations, rounds, len(texts[0])
    )

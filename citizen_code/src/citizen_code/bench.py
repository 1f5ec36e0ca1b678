"""Offline verification throughput against raw P-256 ECDSA, measured in one process.

The benchmark runner calls ``run()``; ``python -m citizen_code bench`` prints it. The
target is ``ratio >= 0.9``: parsing and policy checks must cost under a ninth of the ECDSA
verification they wrap. Nothing here asserts a speed; it only measures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from citizen_code import _cose
from citizen_code._base45 import b45decode
from citizen_code._issue import PREFIX, issue_code
from citizen_code._keyring import KeyRing
from citizen_code._keys import ES256, IssuerKey, raw_to_der
from citizen_code._trust import load_trust_list, sign_trust_list
from citizen_code._verify import Verifier

_ISSUER = "bench"


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Verifications per second; ``ratio`` is offline over raw (target >= 0.9)."""

    offline_verifies_per_s: float
    raw_verifies_per_s: float
    codes: int
    rounds: int

    @property
    def ratio(self) -> float:
        """Offline code verification throughput as a fraction of raw ECDSA throughput."""
        return self.offline_verifies_per_s / self.raw_verifies_per_s


def run(*, codes: int = 500, rounds: int = 15, now: int | None = None) -> BenchResult:
    """Measure ``Verifier.verify`` on distinct online codes against bare ECDSA verifies.

    Both loops verify the same signatures over the same bytes; rounds alternate between
    them and the best round of each counts, so a noisy neighbour on the machine does not
    bias one side.
    """
    now = int(time.time()) if now is None else now
    anchor, issuer_key = IssuerKey.generate(), IssuerKey.generate()
    ring = KeyRing.start(issuer_key, now=now - 60)
    trust_list = load_trust_list(
        sign_trust_list(anchor, ring.trusted_keys(), issuer=_ISSUER, now=now, sequence=1),
        anchor.public_key,
    )
    texts = [issue_code(issuer_key, issuer=_ISSUER, subject=f"bench{i:011d}", now=now) for i in range(codes)]
    messages = [_cose.parse_sign1(b45decode(text[len(PREFIX) :])) for text in texts]
    raw = [(raw_to_der(m.signature), m.to_be_signed) for m in messages]
    public_key = issuer_key.public_key

    best_offline = best_raw = float("inf")
    for _ in range(rounds):
        verifier = Verifier(trust_list)  # a fresh replay cache: every code is new again
        start = time.perf_counter()
        for text in texts:
            if not verifier.verify(text, now=now).passed:
                raise RuntimeError("benchmark code was denied; the measurement would be wrong")
        best_offline = min(best_offline, time.perf_counter() - start)
        start = time.perf_counter()
        for signature, data in raw:
            public_key.verify(signature, data, ES256)
        best_raw = min(best_raw, time.perf_counter() - start)
    return BenchResult(codes / best_offline, codes / best_raw, codes, rounds)

"""The sandbox platforms' RSA keys, derived from the sandbox seed.

Every process that builds a sandbox with the same seed holds the same keys, so the twins of an API
running several workers agree: a notification the WeChat Pay twin of one worker signed verifies in
another, as the one real platform's would. These are sandbox keys — the fake platforms' and the
fake merchant's — derived from a public seed, so they are public too; nothing real is ever signed
with them, and production never builds a sandbox.

Python's ``pow`` does the Miller–Rabin tests (``cryptography`` has no seeded generation), which
costs most of a second per key; so a derived key is kept in the process, and in ``cache`` when the
caller names a folder (the backend names the user's cache folder: derived data, safe to delete).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
from math import gcd
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_E = 65537
_SMALL_PRIMES = tuple(p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2)))
_ROUNDS = 24  # error below 4^-24 per candidate; the sandbox needs working keys, not secret ones


def _probably_prime(n: int, rng: random.Random) -> bool:
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(_ROUNDS):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        # The top two bits set, so p·q has exactly 2·bits bits; odd.
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if gcd(candidate - 1, _E) == 1 and _probably_prime(candidate, rng):
            return candidate


@functools.cache
def seeded_rsa_key(
    seed: int, label: str, *, cache: Path | None = None, bits: int = 2048
) -> rsa.RSAPrivateKey:
    """The sandbox's RSA key ``label`` for ``seed``: the same in every process."""
    digest = hashlib.sha256(f"suqian-sandbox-rsa:{seed}:{label}:{bits}".encode()).digest()
    if cache is None:
        return _derive(digest, bits)
    path = cache / f"{digest.hex()[:32]}.pem"
    with contextlib.suppress(OSError, ValueError, TypeError):
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey) and key.key_size == bits:
            return key
    key = _derive(digest, bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with contextlib.suppress(OSError):  # a read-only home: derive again next time
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pem)
        partial.replace(path)  # atomic: a process racing us writes the same bytes
    return key


def _derive(digest: bytes, bits: int) -> rsa.RSAPrivateKey:
    rng = random.Random(digest)  # noqa: S311 - sandbox keys derived from a public seed, by design
    p = _prime(rng, bits // 2)
    q = _prime(rng, bits // 2)
    while q == p:
        q = _prime(rng, bits // 2)
    p, q = max(p, q), min(p, q)
    d = pow(_E, -1, (p - 1) * (q - 1) // gcd(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(_E, p * q),
    )
    return numbers.private_key()

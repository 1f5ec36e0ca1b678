"""SD-JWT disclosures (RFC 9901 §4.2) and the issuer side: turning claims into ``_sd`` digests.

A disclosure is ``base64url(JSON([salt, name, value]))`` for an object property and
``base64url(JSON([salt, value]))`` for an array element; its digest is
``base64url(sha256(ascii(disclosure)))``. Every property of every object and every array element
becomes a disclosure, so a holder can reveal any node alone (with its ancestors).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wallet._encoding import b64url_encode, json_dumps
from wallet.errors import InvalidClaims

ClaimPath = tuple[str | int, ...]
"""Where a claim sits: object member names and array indices from the payload root, e.g.
``("address", "locality")`` or ``("nationalities", 1)``. Array indices count the issuer's slots."""

Random = Callable[[int], bytes]
"""``n -> n random bytes``; ``secrets.token_bytes`` unless a test injects a seeded source."""

SALT_BYTES = 16  # 128-bit salts (RFC 9901 §9.3 recommends at least 128 bits)
RESERVED = frozenset({"_sd", "...", "_sd_alg"})
# SD-JWT VC §3.2.2.2: these stay in the clear, so the issuer must not receive them as claims.
NEVER_DISCLOSABLE = frozenset(
    {"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "iat", "aka_vcts", "_sd_alg"}
)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One disclosure: the claim ``path`` it reveals, its ``digest`` and its ``encoded`` form."""

    path: ClaimPath
    digest: str
    encoded: str


def digest_of(encoded: str) -> str:
    """The sha-256 digest of a disclosure, over its ASCII base64url text (RFC 9901 §4.2.3)."""
    return b64url_encode(hashlib.sha256(encoded.encode("ascii")).digest())


def encode_disclosure(salt: str, name: str | None, value: Any) -> str:
    """``base64url(JSON([salt, name, value]))``, or ``[salt, value]`` when ``name`` is None."""
    array = [salt, value] if name is None else [salt, name, value]
    return b64url_encode(json_dumps(array))


def _check_json(value: Any, path: ClaimPath) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if math.isfinite(value):
            return
        raise InvalidClaims(f"claim {list(path)!r} is not a finite number")
    raise InvalidClaims(f"claim {list(path)!r} of type {type(value).__name__} is not JSON")


class SdBuilder:
    """Builds the issuer payload's disclosable part, collecting disclosures as it goes."""

    def __init__(self, rng: Random, *, array_elements: bool) -> None:
        self._rng = rng
        self._array_elements = array_elements
        self.disclosures: list[Disclosure] = []

    def _salt(self) -> str:
        return b64url_encode(self._rng(SALT_BYTES))

    def decoy(self) -> str:
        """A digest over fresh randomness: indistinguishable from a real one (RFC 9901 §4.2.5)."""
        return b64url_encode(hashlib.sha256(self._rng(SALT_BYTES)).digest())

    def _disclose(self, path: ClaimPath, name: str | None, value: Any) -> str:
        encoded = encode_disclosure(self._salt(), name, value)
        disclosure = Disclosure(path, digest_of(encoded), encoded)
        self.disclosures.append(disclosure)
        return disclosure.digest

    def value(self, value: Any, path: ClaimPath) -> Any:
        """The issuer-side form of ``value``: objects and arrays get disclosable members."""
        if isinstance(value, Mapping):
            return self.object(value, path, decoys=0)
        if isinstance(value, list | tuple):
            return self.array(value, path)
        _check_json(value, path)
        return value

    def object(self, claims: Mapping[Any, Any], path: ClaimPath, *, decoys: int) -> dict[str, Any]:
        """An object whose every member is a disclosure; ``_sd`` sorted so order leaks nothing."""
        digests = []
        # Children are disclosed before their parent so the parent's value can hold their digests.
        for name, value in claims.items():
            if not isinstance(name, str) or name in RESERVED:
                raise InvalidClaims(f"claim name {name!r} at {list(path)!r} is not allowed")
            inner = self.value(value, (*path, name))
            digests.append(self._disclose((*path, name), name, inner))
        digests.extend(self.decoy() for _ in range(decoys))
        return {"_sd": sorted(digests)} if digests else {}

    def array(self, items: list[Any] | tuple[Any, ...], path: ClaimPath) -> list[Any]:
        """An array whose elements are ``{"...": digest}`` slots when array elements are disclosable."""
        result: list[Any] = []
        for index, item in enumerate(items):
            inner = self.value(item, (*path, index))
            result.append(
                {"...": self._disclose((*path, index), None, inner)} if self._array_elements else inner
            )
        return result

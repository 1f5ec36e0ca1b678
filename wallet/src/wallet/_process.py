"""The verifier side of disclosures: RFC 9901 §7.1 steps 3-5, shared by ``verify`` and ``present``.

Rules enforced, each with its own error:

* a disclosure is a JSON array of 2 or 3 elements with a string salt, and a 3-element one has a
  string name other than ``_sd`` and ``...`` (``BadDisclosure``);
* 3-element disclosures only from ``_sd``, 2-element ones only from an array slot ``{"...": d}``
  (``WrongSlot``);
* a digest appears once in the payload and its disclosures, and a disclosure is presented once
  (``DuplicateDigest``);
* a disclosed name may not collide with a claim already in that object (``BadDisclosure``);
* every presented disclosure is referenced somewhere (``UnreferencedDisclosure``).

The result holds no ``_sd``, no ``_sd_alg`` at the root and no ``{"...": d}`` placeholders:
undisclosed array elements are dropped, so arrays are compacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wallet._disclosure import ClaimPath, Disclosure, digest_of
from wallet._encoding import b64url_decode, json_loads
from wallet.errors import (
    BadDisclosure,
    DuplicateDigest,
    Malformed,
    UnreferencedDisclosure,
    UnsupportedAlgorithm,
    WrongSlot,
)


@dataclass(frozen=True, slots=True)
class Processed:
    """The payload with the presented disclosures applied, and the path each disclosure revealed."""

    claims: dict[str, Any]
    disclosures: tuple[Disclosure, ...]


def _decode(encoded: str) -> list[Any]:
    try:
        array = json_loads(b64url_decode(encoded, what="disclosure"), what="disclosure")
    except Malformed as exc:
        raise BadDisclosure(str(exc)) from None
    if not isinstance(array, list) or len(array) not in (2, 3) or not isinstance(array[0], str):
        raise BadDisclosure("a disclosure is [salt, name, value] or [salt, value]")
    if len(array) == 3 and (not isinstance(array[1], str) or array[1] in ("_sd", "...")):
        raise BadDisclosure(f"disclosure claim name {array[1]!r} is not allowed")
    return array


class _Walker:
    def __init__(self, encoded: list[str]) -> None:
        self.pending: dict[str, tuple[str, list[Any]]] = {}
        for text in encoded:
            digest = digest_of(text)
            if digest in self.pending:
                raise DuplicateDigest(digest=digest)
            self.pending[digest] = (text, _decode(text))
        self.seen: set[str] = set()
        self.revealed: list[Disclosure] = []

    def _claim(self, digest: object) -> tuple[str, list[Any]] | None:
        if not isinstance(digest, str):
            raise Malformed("a digest must be a string")
        if digest in self.seen:
            raise DuplicateDigest(digest=digest)
        self.seen.add(digest)
        return self.pending.pop(digest, None)

    def value(self, value: Any, path: ClaimPath) -> Any:
        if isinstance(value, dict):
            return self.object(value, path)
        if isinstance(value, list):
            return self.array(value, path)
        return value

    def object(self, obj: dict[str, Any], path: ClaimPath) -> dict[str, Any]:
        digests = obj.get("_sd", [])
        if not isinstance(digests, list):
            raise Malformed("_sd must be an array")
        result = {name: self.value(value, (*path, name)) for name, value in obj.items() if name != "_sd"}
        for digest in digests:
            found = self._claim(digest)
            if found is None:
                continue  # a decoy, or a claim the holder did not disclose
            text, array = found
            if len(array) != 3:
                raise WrongSlot("a 2-element (array element) disclosure is referenced from _sd")
            _, name, value = array
            if name in result:
                raise BadDisclosure(f"disclosed claim {name!r} collides with a claim already present")
            self.revealed.append(Disclosure((*path, name), digest, text))
            result[name] = self.value(value, (*path, name))
        return result

    def array(self, items: list[Any], path: ClaimPath) -> list[Any]:
        result = []
        for index, item in enumerate(items):
            if isinstance(item, dict) and len(item) == 1 and "..." in item:
                found = self._claim(item["..."])
                if found is None:
                    continue  # undisclosed element: dropped, never left as a placeholder
                text, array = found
                if len(array) != 2:
                    raise WrongSlot("a 3-element (object property) disclosure is referenced from an array")
                self.revealed.append(Disclosure((*path, index), item["..."], text))
                result.append(self.value(array[1], (*path, index)))
            else:
                result.append(self.value(item, (*path, index)))
        return result


def process(payload: dict[str, Any], encoded: list[str]) -> Processed:
    """Apply presented disclosures to a verified issuer payload (RFC 9901 §7.1).

    Raises:
        BadDisclosure: one of the rules in the module docstring (or a subclass naming which).
        UnsupportedAlgorithm: ``_sd_alg`` is not ``sha-256``.
        Malformed: ``_sd`` or a slot digest of the wrong type, or nesting too deep.
    """
    sd_alg = payload.get("_sd_alg", "sha-256")
    if sd_alg != "sha-256":
        raise UnsupportedAlgorithm(alg=str(sd_alg))
    walker = _Walker(encoded)
    try:
        claims = walker.object({k: v for k, v in payload.items() if k != "_sd_alg"}, ())
    except RecursionError:
        raise Malformed("claims nested too deeply") from None
    if walker.pending:
        raise UnreferencedDisclosure(f"{len(walker.pending)} disclosure(s) not referenced by the payload")
    return Processed(claims, tuple(walker.revealed))

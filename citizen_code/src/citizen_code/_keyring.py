"""The issuer key ring: one active signing key, an optional staged successor, retired keys.

Lifecycle (times in epoch seconds)::

    staged ──rotate()──► active ──rotate()──► retired ──prune() once its codes expired──► gone
    (published early so   (signs codes and     (still trusted until     (off the trust list:
     scanners know it)     credentials)         retired_at + max life)   unknown_kid)

The ring is immutable: ``stage``/``rotate``/``prune`` return a new ring for the caller to
persist with ``to_json`` (it holds private keys: store it encrypted).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from citizen_code._keys import IssuerKey
from citizen_code._trust import TrustedKey
from citizen_code.errors import InvalidKey

DAY = 24 * 3600
USAGE_PERIOD = 30 * DAY
MAX_CODE_LIFETIME = 2 * DAY  # the longest-lived thing a key signs: a 48 h holder credential
_FORMAT = "sq1-key-ring/1"


@dataclass(frozen=True, slots=True)
class RingEntry:
    """One issuer key and its lifecycle times (``None`` = not reached yet)."""

    key: IssuerKey
    published_at: int
    activated_at: int | None = None
    retired_at: int | None = None


class KeyRing:
    """Issuer keys with overlap-friendly rotation.

    Example:
        >>> ring = KeyRing.start(IssuerKey.generate(), now=0)
        >>> ring = ring.rotate(IssuerKey.generate(), now=30 * DAY)
        >>> len(ring.trusted_keys())  # the retired key stays trusted for 48 h
        2
    """

    __slots__ = ("entries", "max_code_lifetime", "usage_period")

    def __init__(
        self,
        entries: Sequence[RingEntry],
        *,
        usage_period: int = USAGE_PERIOD,
        max_code_lifetime: int = MAX_CODE_LIFETIME,
    ) -> None:
        kids = [entry.key.kid for entry in entries]
        if len(set(kids)) != len(kids):
            # Refuse a kid collision outright rather than make scanners try several keys.
            raise InvalidKey("two keys in the ring share a kid")
        live = [e for e in entries if e.activated_at is not None and e.retired_at is None]
        staged = [e for e in entries if e.activated_at is None]
        if len(live) != 1 or len(staged) > 1:
            raise InvalidKey("a ring needs exactly one active key and at most one staged key")
        self.entries = tuple(entries)
        self.usage_period = usage_period
        self.max_code_lifetime = max_code_lifetime

    @classmethod
    def start(cls, key: IssuerKey, *, now: int, usage_period: int = USAGE_PERIOD) -> KeyRing:
        """A ring whose only key is active from ``now``."""
        return cls([RingEntry(key, now, now)], usage_period=usage_period)

    def _live(self) -> RingEntry:
        return next(e for e in self.entries if e.activated_at is not None and e.retired_at is None)

    @property
    def active(self) -> IssuerKey:
        """The key that signs codes and credentials now."""
        return self._live().key

    @property
    def staged(self) -> IssuerKey | None:
        """The published successor that ``rotate`` will activate, if any."""
        return next((e.key for e in self.entries if e.activated_at is None), None)

    def _with(self, entries: Sequence[RingEntry]) -> KeyRing:
        return KeyRing(entries, usage_period=self.usage_period, max_code_lifetime=self.max_code_lifetime)

    def stage(self, key: IssuerKey, *, now: int) -> KeyRing:
        """Publish ``key`` as the next signing key, ahead of ``rotate`` (7 days is typical),
        so scanners that sync rarely already trust it when it starts signing."""
        return self._with([*self.entries, RingEntry(key, now)])

    def rotate(self, key: IssuerKey | None = None, *, now: int) -> KeyRing:
        """Retire the active key and activate ``key`` (or the staged key) from ``now``."""
        if key is not None:
            if self.staged is not None:
                raise InvalidKey("a key is already staged; rotate to it or pass no key")
            return self.stage(key, now=now).rotate(now=now)
        if self.staged is None:
            raise InvalidKey("nothing to rotate to: pass a key or stage one first")
        return self._with(
            [
                replace(e, activated_at=now)
                if e.activated_at is None
                else replace(e, retired_at=now)
                if e.retired_at is None
                else e
                for e in self.entries
            ]
        )

    def prune(self, *, now: int) -> KeyRing:
        """Drop retired keys whose every code has expired; scanners then see unknown_kid."""
        return self._with(
            [e for e in self.entries if e.retired_at is None or now < e.retired_at + self.max_code_lifetime]
        )

    def due_for_rotation(self, *, now: int) -> bool:
        """Whether the active key has signed for its whole usage period."""
        activated = self._live().activated_at
        assert activated is not None  # _live() only returns activated entries
        return now >= activated + self.usage_period

    def find(self, kid: bytes) -> IssuerKey | None:
        """The ring's key with this kid, or None."""
        return next((e.key for e in self.entries if e.key.kid == kid), None)

    def trusted_keys(self) -> list[TrustedKey]:
        """The ring's public side, ready for ``sign_trust_list``.

        ``not_after`` is when the last code a key can sign expires: for a retired key its
        retirement plus the longest code lifetime; for the active (or staged) key the end
        of its usage period plus that lifetime.
        """
        keys = []
        for e in self.entries:
            if e.retired_at is not None:
                last_signature = e.retired_at
            else:
                start = e.published_at if e.activated_at is None else e.activated_at
                last_signature = start + self.usage_period
            keys.append(
                TrustedKey.of(
                    e.key.public_key,
                    not_before=e.published_at,
                    not_after=last_signature + self.max_code_lifetime,
                    retired_at=e.retired_at,
                )
            )
        return keys

    def to_json(self, *, password: bytes | None = None) -> bytes:
        """Serialise the ring, private keys included (PKCS#8 PEM, encrypted if ``password``)."""
        document = {
            "format": _FORMAT,
            "usage_period": self.usage_period,
            "max_code_lifetime": self.max_code_lifetime,
            "keys": [
                {
                    "pem": e.key.to_pem(password=password).decode("ascii"),
                    "published_at": e.published_at,
                    "activated_at": e.activated_at,
                    "retired_at": e.retired_at,
                }
                for e in self.entries
            ],
        }
        return json.dumps(document, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, *, password: bytes | None = None) -> KeyRing:
        """Load a ring written by ``to_json``.

        Raises:
            InvalidKey: not a key ring document, or a key that does not load.
        """
        try:
            document = json.loads(data)
            if document["format"] != _FORMAT:
                raise InvalidKey(f"not a key ring ({document['format']!r})")
            entries = [
                RingEntry(
                    IssuerKey.from_pem(k["pem"].encode("ascii"), password=password),
                    k["published_at"],
                    k["activated_at"],
                    k["retired_at"],
                )
                for k in document["keys"]
            ]
            return cls(
                entries,
                usage_period=document["usage_period"],
                max_code_lifetime=document["max_code_lifetime"],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidKey(f"malformed key ring: {exc!r}") from None

    def __repr__(self) -> str:
        states = ", ".join(
            f"{e.key.kid.hex()}:"
            + ("retired" if e.retired_at is not None else "staged" if e.activated_at is None else "active")
            for e in self.entries
        )
        return f"KeyRing({states})"

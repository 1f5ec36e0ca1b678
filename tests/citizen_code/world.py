"""Plain factories for citizen_code tests: one issuer, one anchor, one phone, a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citizen_code import (
    DeviceKey,
    IssuerKey,
    KeyRing,
    RevocationList,
    Status,
    TrustList,
    Verifier,
    generate_code_id,
    issue_code,
    issue_holder_credential,
    load_trust_list,
    sign_frame,
    sign_trust_list,
)

NOW = 1_800_000_000
ISSUER = "suqian"
CODE_ID = generate_code_id(bytes(range(10)))
DAY = 24 * 3600

# Key generation is cheap but not free; most tests share these and make their own when the
# test is about keys.
ANCHOR = IssuerKey.generate()
ISSUER_KEY = IssuerKey.generate()
DEVICE_KEY = DeviceKey.generate()


@dataclass
class World:
    """A consistent set of keys, a signed trust list and a clock; issue and verify in it."""

    now: int
    ring: KeyRing
    anchor: IssuerKey = ANCHOR
    device: DeviceKey = DEVICE_KEY
    revocations: RevocationList = field(default_factory=RevocationList)

    @property
    def trust_list(self) -> TrustList:
        signed = sign_trust_list(
            self.anchor, self.ring.trusted_keys(), issuer=ISSUER, now=self.now, sequence=1
        )
        return load_trust_list(signed, self.anchor.public_key)

    def verifier(self, **options: Any) -> Verifier:
        return Verifier(self.trust_list, revocations=self.revocations, **options)

    def code(self, **overrides: Any) -> str:
        arguments: dict[str, Any] = {
            "issuer": ISSUER,
            "subject": CODE_ID,
            "now": self.now,
            "status": Status.NORMAL,
        } | overrides
        key = arguments.pop("key", self.ring.active)
        return issue_code(key, **arguments)

    def credential(self, **overrides: Any) -> bytes:
        arguments: dict[str, Any] = {
            "issuer": ISSUER,
            "subject": CODE_ID,
            "device_public_key": self.device.public_key,
            "now": self.now,
        } | overrides
        key = arguments.pop("key", self.ring.active)
        return issue_holder_credential(key, **arguments)

    def frame(
        self,
        credential: bytes | None = None,
        *,
        now: int | None = None,
        nonce: bytes | None = None,
        device: DeviceKey | None = None,
    ) -> str:
        return sign_frame(
            device or self.device,
            self.credential() if credential is None else credential,
            now=self.now if now is None else now,
            nonce=nonce,
        )


def make_world(*, now: int = NOW, ring: KeyRing | None = None, **overrides: Any) -> World:
    """A world whose only issuer key became active a week before ``now``."""
    return World(now=now, ring=ring or KeyRing.start(ISSUER_KEY, now=now - 7 * DAY), **overrides)

"""Which citizen statuses pass at which scene, and the per-scene pseudonym a scanner sees.

The scene policy (issue 5): a *restricted* citizen keeps access to public services that must never
turn a person away, and is stopped only where a gate guards other people's space.

================== ========== ============ ============================================================
scene              normal     restricted   why
================== ========== ============ ============================================================
library            pass       pass         a public service; reading rooms admit everyone
bus                pass       pass         public transport may not refuse a rider
hospital           pass       pass         care is never refused at the gate
public_office      pass       pass         a restricted citizen must be able to come and resolve it
traffic_checkpoint pass       deny         a control point: restricted people are held for a check
residential_compound pass     deny         a compound admits only unrestricted people
factory            pass       deny         a workplace admits only unrestricted people
scenic_spot        pass       deny         a crowded leisure venue (刷码入园 with a ticket): unrestricted only
================== ========== ============ ============================================================

A scene missing from the table passes nobody (fail closed): a scanner registry that learns a new
scene gets a deny until someone decides its row here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from types import MappingProxyType

from backend.base32 import base32_80
from backend.crypto import derive_key
from citizen_code import Status

_ANYONE = frozenset({Status.NORMAL, Status.RESTRICTED})
_UNRESTRICTED = frozenset({Status.NORMAL})

SCENE_POLICY: Mapping[str, frozenset[Status]] = MappingProxyType(
    {
        "library": _ANYONE,
        "bus": _ANYONE,
        "hospital": _ANYONE,
        "public_office": _ANYONE,
        "traffic_checkpoint": _UNRESTRICTED,
        "residential_compound": _UNRESTRICTED,
        "factory": _UNRESTRICTED,
        "scenic_spot": _UNRESTRICTED,
    }
)


def admits(scene: str, status: Status) -> bool:
    """Whether a citizen of ``status`` passes a gate of ``scene``."""
    return status in SCENE_POLICY.get(scene, frozenset())


class Pseudonyms:
    """``HMAC-SHA256(k, scene ‖ 0x1f ‖ code id)``, 80 bits as 16 base32 characters, with ``k``
    derived from the index key for this purpose only. Stable within a scene (a library can count
    its regulars) and unlinkable across scenes (it can't tell which of them rode which bus)."""

    def __init__(self, index_key: bytes) -> None:
        self._key = derive_key(index_key, "citizen-code:scene-pseudonym")

    def of(self, scene: str, code_id: str) -> str:
        digest = hmac.new(self._key, f"{scene}\x1f{code_id}".encode(), hashlib.sha256).digest()
        return base32_80(digest[:10])

from __future__ import annotations

import hashlib
import re

from blobstore.errors import BlobCorrupt, DigestInvalid

_HEX64 = re.compile(r"[0-9a-f]{64}")


def digest_of(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lower-case hex characters: the key it is stored under."""
    return hashlib.sha256(data).hexdigest()


def checked(digest: str) -> str:
    """``digest`` if it is a key (64 lower-case hex); ``DigestInvalid`` otherwise. Every path and
    object name is built from a checked digest only, never from anything a caller chose."""
    if not isinstance(digest, str) or _HEX64.fullmatch(digest) is None:
        raise DigestInvalid(str(digest))
    return digest


def verified(digest: str, data: bytes) -> bytes:
    actual = digest_of(data)
    if actual != digest:
        raise BlobCorrupt(digest, actual=actual)
    return data

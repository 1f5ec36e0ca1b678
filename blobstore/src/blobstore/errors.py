"""The blob store's errors.

BlobStoreError
├── DigestInvalid      a key that is not 64 lower-case hex characters (never reaches a path)
├── BlobNotFound       no blob under this digest
├── BlobCorrupt        the bytes stored under a digest no longer hash to it
└── StoreUnavailable   the store can't be reached or refused the operation (retry later)
"""

from __future__ import annotations

__all__ = ["BlobCorrupt", "BlobNotFound", "BlobStoreError", "DigestInvalid", "StoreUnavailable"]


class BlobStoreError(Exception):
    """Anything the blob store says went wrong."""


class DigestInvalid(BlobStoreError, ValueError):
    def __init__(self, digest: str) -> None:
        super().__init__(f"not a SHA-256 hex digest: {digest[:80]!r}")


class BlobNotFound(BlobStoreError):
    def __init__(self, digest: str) -> None:
        super().__init__(f"no blob {digest}")
        self.digest = digest


class BlobCorrupt(BlobStoreError):
    def __init__(self, digest: str, *, actual: str) -> None:
        super().__init__(f"blob {digest} hashes to {actual}")
        self.digest = digest
        self.actual = actual


class StoreUnavailable(BlobStoreError):
    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"blob store {operation}: {reason}")
        self.operation = operation
        self.reason = reason

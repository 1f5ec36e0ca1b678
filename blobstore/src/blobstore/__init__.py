"""Content-addressed blob storage: bytes stored under their SHA-256, read back verified.

Two implementations of one contract (``BlobStore``), tested by the same suite
(``tests/blobstore``): ``LocalBlobStore``, files in a folder (the embedded default), and
``S3BlobStore``, objects in an S3-compatible bucket (production). A key is always the digest of
the bytes, checked to be 64 lower-case hex characters before it becomes a path or an object name,
so nothing a caller chose ever reaches the file system or the bucket; storing the same bytes twice
stores them once; a read whose bytes no longer hash to their key fails (``BlobCorrupt``).

The library knows nothing of the web, the database or the application's encryption: a caller that
must not keep plaintext (personal documents) seals before it stores, and the key is then the
digest of the sealed bytes.

    store = LocalBlobStore(Path("data/blobs"))
    digest = await store.put(b"%PDF-1.7 ...")
    assert await store.get(digest) == b"%PDF-1.7 ..."
"""

from __future__ import annotations

from typing import Protocol

from blobstore._digest import checked, digest_of
from blobstore._local import LocalBlobStore
from blobstore._s3 import S3BlobStore
from blobstore.errors import BlobCorrupt, BlobNotFound, BlobStoreError, DigestInvalid, StoreUnavailable

__all__ = [
    "BlobCorrupt",
    "BlobNotFound",
    "BlobStore",
    "BlobStoreError",
    "DigestInvalid",
    "LocalBlobStore",
    "S3BlobStore",
    "StoreUnavailable",
    "checked",
    "digest_of",
]


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store ``data``; its SHA-256 hex digest, the key to read it back. Idempotent."""
        ...

    async def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified (``BlobNotFound``, ``BlobCorrupt``)."""
        ...

    async def exists(self, digest: str) -> bool: ...

    async def delete(self, digest: str) -> None:
        """Remove the blob; nothing happens when there is none."""
        ...

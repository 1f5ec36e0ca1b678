from __future__ import annotations

from datetime import timedelta

import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from blobstore._digest import checked, digest_of, verified
from blobstore.errors import BlobNotFound, StoreUnavailable

__all__ = ["S3BlobStore"]


class S3BlobStore:
    """Blobs as objects of an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Alibaba OSS in S3 mode),
    named ``<prefix>/ab/abcd…``, through ``obstore`` (the Rust ``object_store`` crate).

    Every setting is passed in; ``obstore`` fills only what is left unset from ``AWS_*`` variables, so
    pass them all. obstore reports a missing object as ``FileNotFoundError`` and other failures as its
    ``BaseError`` or another ``OSError``: the first is ``BlobNotFound``, the rest ``StoreUnavailable``.
    ``endpoint`` with ``http://`` is allowed for a store on the same host (tests).
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        prefix: str = "blobs",
        timeout: timedelta = timedelta(seconds=30),
    ) -> None:
        self._store = S3Store(
            bucket,
            prefix=prefix or None,
            config={
                "endpoint": endpoint,
                "region": region,
                "access_key_id": access_key_id,
                "secret_access_key": secret_access_key,
                # Path-style (``endpoint/bucket/key``): what every S3-compatible server answers.
                "virtual_hosted_style_request": False,
            },
            client_options={
                "allow_http": endpoint.startswith("http://"),
                "timeout": timeout,
                "connect_timeout": timedelta(seconds=5),
            },
        )

    @staticmethod
    def _name(digest: str) -> str:
        digest = checked(digest)
        return f"{digest[:2]}/{digest}"

    async def put(self, data: bytes) -> str:
        digest = digest_of(data)
        name = self._name(digest)
        if await self.exists(digest):
            return digest  # content-addressed: the same bytes are there already
        try:
            await obstore.put_async(self._store, name, data, use_multipart=False)
        except (BaseError, OSError) as exc:
            raise StoreUnavailable("put", type(exc).__name__) from None
        return digest

    async def get(self, digest: str) -> bytes:
        name = self._name(digest)
        try:
            result = await obstore.get_async(self._store, name)
            data = bytes(await result.bytes_async())
        except FileNotFoundError:
            raise BlobNotFound(digest) from None
        except (BaseError, OSError) as exc:
            raise StoreUnavailable("get", type(exc).__name__) from None
        return verified(digest, data)

    async def exists(self, digest: str) -> bool:
        name = self._name(digest)
        try:
            await obstore.head_async(self._store, name)
        except FileNotFoundError:
            return False
        except (BaseError, OSError) as exc:
            raise StoreUnavailable("head", type(exc).__name__) from None
        return True

    async def delete(self, digest: str) -> None:
        name = self._name(digest)
        try:
            await obstore.delete_async(self._store, name)
        except FileNotFoundError:
            return
        except (BaseError, OSError) as exc:
            raise StoreUnavailable("delete", type(exc).__name__) from None

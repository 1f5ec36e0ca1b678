from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from blobstore._digest import checked, digest_of, verified
from blobstore.errors import BlobNotFound, StoreUnavailable

__all__ = ["LocalBlobStore"]


class LocalBlobStore:
    """Blobs as files under ``root``: ``ab/cd/abcd…`` (two levels of 256 folders keep a folder small).

    A blob is written to ``root/tmp`` first, flushed to disk, then renamed into place: a reader sees
    the whole blob or none, and a crash leaves at most a temporary file (``os.replace`` is atomic
    within one file system, which ``tmp`` under ``root`` guarantees).
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, digest: str) -> Path:
        digest = checked(digest)
        return self._root / digest[:2] / digest[2:4] / digest

    async def put(self, data: bytes) -> str:
        digest = digest_of(data)
        await self._run("put", self._write, digest, data)
        return digest

    async def get(self, digest: str) -> bytes:
        path = self._path(digest)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise BlobNotFound(digest) from None
        except OSError as exc:
            raise StoreUnavailable("get", exc.strerror or type(exc).__name__) from None
        return verified(digest, data)

    async def exists(self, digest: str) -> bool:
        path = self._path(digest)
        return await asyncio.to_thread(path.is_file)

    async def delete(self, digest: str) -> None:
        path = self._path(digest)
        await self._run("delete", path.unlink, missing_ok=True)

    def _write(self, digest: str, data: bytes) -> None:
        final = self._path(digest)
        if final.is_file():
            return  # content-addressed: the same bytes are there already
        tmp_dir = self._root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{digest}.{secrets.token_hex(8)}"
        try:
            with open(tmp, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    async def _run(operation: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            await asyncio.to_thread(call, *args, **kwargs)
        except OSError as exc:
            raise StoreUnavailable(operation, exc.strerror or type(exc).__name__) from None

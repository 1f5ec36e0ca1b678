"""``Idempotency-Key`` for creating POSTs (ARCHITECTURE §5): a replay returns the first response.

The first successful (2xx) response to a key is kept for 24 hours, sealed (it may hold tokens or
personal data), under a scope the caller chooses (a principal, or for anonymous calls what they
proved, e.g. a phone's blind index). The same key with a different body is a client bug: 422
``idempotency.key_reused``. While the first request is still running a second one gets 409
``idempotency.in_progress``. Failed requests are not kept, so they may be retried with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import MediaType, Request, Response

from backend.crypto import PersonalDataCipher
from backend.errors import Conflict, Invalid
from backend.store import KeyValueStore

REPLAY_TTL = 86_400
# Longer than any creating request may take (a registry call with retries); then the lock lapses.
_LOCK_TTL = 60
MAX_KEY_LENGTH = 255


class IdempotencyKeyInvalid(Invalid):
    code = "idempotency.key_invalid"
    detail = f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters"


class IdempotencyKeyReused(Invalid):
    """The same key with a different body: a client bug, never a replay."""

    code = "idempotency.key_reused"
    detail = "This Idempotency-Key was used with a different request"


class IdempotencyInProgress(Conflict):
    """The first request with this key is still running; retry once it has answered."""

    code = "idempotency.in_progress"
    detail = "A request with this Idempotency-Key is in progress"


class StoredResponse(msgspec.Struct, frozen=True):
    fingerprint: str
    status: int
    body: bytes


class Idempotency:
    def __init__(self, store: KeyValueStore, cipher: PersonalDataCipher) -> None:
        self._store = store
        self._cipher = cipher

    async def run(
        self,
        *,
        scope: str,
        key: str | None,
        body: bytes,
        call: Callable[[], Awaitable[tuple[int, bytes]]],
    ) -> tuple[int, bytes, bool]:
        """``call()`` once per (``scope``, ``key``): ``(status, body, replayed)``."""
        if key is None:
            status, content = await call()
            return status, content, False
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise IdempotencyKeyInvalid()
        handle = self._cipher.mac(f"{scope}\n{key}", purpose="idempotency")
        stored_key, lock_key = f"idem:{{{handle}}}:response", f"idem:{{{handle}}}:lock"
        fingerprint = hashlib.sha256(body).hexdigest()
        replay = await self._replay(stored_key, fingerprint)
        if replay is not None:
            return replay.status, replay.body, True
        if not await self._store.set_if_absent(lock_key, b"1", ttl=_LOCK_TTL):
            raise IdempotencyInProgress()
        try:
            status, content = await call()
            if 200 <= status < 300:
                sealed = self._cipher.seal_bytes(
                    msgspec.msgpack.encode(StoredResponse(fingerprint, status, content)), column=stored_key
                )
                await self._store.set(stored_key, sealed.encode(), ttl=REPLAY_TTL)
        finally:
            await self._store.delete(lock_key)
        return status, content, False

    async def _replay(self, stored_key: str, fingerprint: str) -> StoredResponse | None:
        raw = await self._store.get(stored_key)
        if raw is None:
            return None
        stored = msgspec.msgpack.decode(
            self._cipher.open_bytes(raw.decode(), column=stored_key), type=StoredResponse
        )
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return stored


async def idempotent_json(
    idempotency: Idempotency,
    request: Request[Any, Any, Any],
    *,
    scope: str,
    key: str | None,
    status: int,
    call: Callable[[], Awaitable[Any]],
) -> Response[bytes]:
    """A controller's creating POST under ``Idempotency-Key``: ``call()`` returns the Struct answered
    with ``status``; a replay answers the first response, marked ``Idempotent-Replayed: true``."""

    async def encoded() -> tuple[int, bytes]:
        return status, msgspec.json.encode(await call())

    answered, body, replayed = await idempotency.run(
        scope=scope, key=key, body=await request.body(), call=encoded
    )
    headers = {"cache-control": "no-store"}
    if replayed:
        headers["idempotent-replayed"] = "true"
    return Response(body, status_code=answered, media_type=MediaType.JSON, headers=headers)

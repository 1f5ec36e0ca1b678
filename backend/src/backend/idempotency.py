"""``Idempotency-Key`` for creating POSTs (ARCHITECTURE §5): a replay returns the first response.

The first successful (2xx) response to a key is kept for 24 hours, sealed (it may hold tokens or
personal data), under a scope the caller chooses (a principal, or for anonymous calls what they
proved, e.g. a phone's blind index). The same key with a different body is a client bug: 422
``idempotency.key_reused``. While the first request is still running a second one gets 409
``idempotency.in_progress``. Failed requests are not kept, so they may be retried with the same key.

An answer that opens a session (a registration's tokens) is never replayed: the key and body are not
proof of anything, and whoever holds them — a log, a proxy, a shared device — would get the first
caller's session. Such a call is ``replayable=False``: only the fact that it succeeded is kept, and a
replay answers 409 ``idempotency.replayed_login_required`` (the client logs in). A refused request
(key reused, in progress, replay refused) is charged to the caller's failure budget when the caller
passes ``charge``: retrying with a key is no way around the rate limit the call itself would apply.
"""

from __future__ import annotations

import hashlib
import re
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
# Visible ASCII and spaces: the key is a Structured Field string (draft-ietf-httpapi-idempotency-key
# -header §2, RFC 8941 §3.3.3). A NUL, a control character or a byte past ASCII (read as latin-1) is
# no key a client meant, and one a proxy or a log may cut or rewrite.
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")


class IdempotencyKeyInvalid(Invalid):
    code = "idempotency.key_invalid"
    detail = f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} visible ASCII characters"


class IdempotencyKeyReused(Invalid):
    """The same key with a different body: a client bug, never a replay."""

    code = "idempotency.key_reused"
    detail = "This Idempotency-Key was used with a different request"


class IdempotencyInProgress(Conflict):
    """The first request with this key is still running; retry once it has answered."""

    code = "idempotency.in_progress"
    detail = "A request with this Idempotency-Key is in progress"


class ReplayedLoginRequired(Conflict):
    """The first request with this key succeeded and its answer opened a session, which is never
    handed out twice: log in (a registration replayed, say)."""

    code = "idempotency.replayed_login_required"
    detail = "This request already succeeded; its answer held a session, which is not replayed: log in"


# What a route taking an ``Idempotency-Key`` can answer because of it (part of its ``errors=``);
# a route whose answer is a session (``replayable=False``) adds ``ReplayedLoginRequired``.
IDEMPOTENCY_ERRORS = (IdempotencyKeyInvalid, IdempotencyKeyReused, IdempotencyInProgress)


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
        replayable: bool = True,
        charge: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[int, bytes, bool]:
        """``call()`` once per (``scope``, ``key``): ``(status, body, replayed)``. ``replayable=False``:
        the answer opens a session and is not kept; ``charge`` is awaited before a refusal is raised
        (see the module docstring)."""
        if key is None:
            status, content = await call()
            return status, content, False
        if not _KEY.fullmatch(key):
            raise IdempotencyKeyInvalid()
        handle = self._cipher.mac(f"{scope}\n{key}", purpose="idempotency")
        stored_key, lock_key = f"idem:{{{handle}}}:response", f"idem:{{{handle}}}:lock"
        fingerprint = hashlib.sha256(body).hexdigest()
        replay = await self._replay(stored_key, fingerprint, charge)
        if replay is not None:
            if not replayable:
                await _charged(charge)
                raise ReplayedLoginRequired()
            return replay.status, replay.body, True
        if not await self._store.set_if_absent(lock_key, b"1", ttl=_LOCK_TTL):
            await _charged(charge)
            raise IdempotencyInProgress()
        try:
            status, content = await call()
            if 200 <= status < 300:
                kept = StoredResponse(fingerprint, status, content if replayable else b"")
                sealed = self._cipher.seal_bytes(msgspec.msgpack.encode(kept), column=stored_key)
                await self._store.set(stored_key, sealed.encode(), ttl=REPLAY_TTL)
        finally:
            await self._store.delete(lock_key)
        return status, content, False

    async def _replay(
        self, stored_key: str, fingerprint: str, charge: Callable[[], Awaitable[None]] | None
    ) -> StoredResponse | None:
        raw = await self._store.get(stored_key)
        if raw is None:
            return None
        stored = msgspec.msgpack.decode(
            self._cipher.open_bytes(raw.decode(), column=stored_key), type=StoredResponse
        )
        if stored.fingerprint != fingerprint:
            await _charged(charge)
            raise IdempotencyKeyReused()
        return stored


async def _charged(charge: Callable[[], Awaitable[None]] | None) -> None:
    if charge is not None:
        await charge()


async def idempotent_json(
    idempotency: Idempotency,
    request: Request[Any, Any, Any],
    *,
    scope: str,
    key: str | None,
    status: int,
    call: Callable[[], Awaitable[Any]],
    replayable: bool = True,
    charge: Callable[[], Awaitable[None]] | None = None,
) -> Response[bytes]:
    """A controller's creating POST under ``Idempotency-Key``: ``call()`` returns the Struct answered
    with ``status``; a replay answers the first response, marked ``Idempotent-Replayed: true`` — or,
    for an answer that opens a session (``replayable=False``), 409 ``idempotency.replayed_login_required``.
    ``charge`` counts a refused request against the caller's failure budget."""

    async def encoded() -> tuple[int, bytes]:
        return status, msgspec.json.encode(await call())

    answered, body, replayed = await idempotency.run(
        scope=scope, key=key, body=await request.body(), call=encoded, replayable=replayable, charge=charge
    )
    headers = {"cache-control": "no-store"}
    if replayed:
        headers["idempotent-replayed"] = "true"
    return Response(body, status_code=answered, media_type=MediaType.JSON, headers=headers)

"""亮证: the citizen shows a rotating handle, a registered counter scans it and asks for fields, the
citizen approves field by field or declines, the counter receives a presentation of just those.

- The handle is 16 random bytes (22 characters; the QR text ≤ 80 characters, QR version ≤ 5). It is
  valid ``handle_ttl`` (120 s), rotates every ``handle_refresh`` (60 s), and is single use: the
  store's set-if-absent decides which scan gets it.
- A request outside the verifier's registration is refused before it exists, so the citizen never
  sees it. Each request carries a fresh nonce; the presentation's KB-JWT binds it to that nonce and to
  the verifier (``aud``). It is delivered while the request lives and verified once: a second
  verification of it is a replay.
- Every outcome (disclosed, declined, expired) is appended to the citizen's disclosure log.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

import wallet
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.licence import credentials
from backend.licence.errors import (
    FieldsInvalid,
    HandleInvalid,
    OutsidePurpose,
    PresentationInvalid,
    PresentationReplayed,
    RequestClosed,
    RequestNotFound,
    ShowRateLimited,
)
from backend.licence.keys import LicenceKeys
from backend.licence.log import DisclosureLog, LogEvent, LogView
from backend.licence.repository import RequestRepository, RequestRow, VerifierRow
from backend.licence.service import LicenceService
from backend.licence.settings import LicenceSettings
from backend.licence.status import StatusLists
from backend.licence.verifiers import VerifierRegistry, audience, outside
from backend.ratelimit import RateLimit, RateLimiter
from backend.store import KeyValueStore

PRESENTATION = "licence_request.presentation"
# The app fetches a handle a minute while the code is on screen; 20 a minute leaves room for reopening.
SHOW = RateLimit(ShowRateLimited, limit=20, window=60)


@dataclass(frozen=True, slots=True)
class Shown:
    handle: str
    qr_text: str
    expires_at: datetime
    refresh_at: datetime


@dataclass(frozen=True, slots=True)
class Asked:
    """A request with the verifier asking, as the citizen's app shows it."""

    request: RequestRow
    verifier: VerifierRow


@dataclass(frozen=True, slots=True)
class Delivered:
    request: RequestRow
    presentation: str | None


class ShowService:
    def __init__(
        self,
        *,
        requests: RequestRepository,
        verifiers: VerifierRegistry,
        licences: LicenceService,
        status_lists: StatusLists,
        keys: LicenceKeys,
        disclosure_log: DisclosureLog,
        store: KeyValueStore,
        limiter: RateLimiter,
        cipher: PersonalDataCipher,
        settings: LicenceSettings,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._requests = requests
        self._verifiers = verifiers
        self._licences = licences
        self._status_lists = status_lists
        self._keys = keys
        self._log = disclosure_log
        self._store = store
        self._limiter = limiter
        self._cipher = cipher
        self._settings = settings
        self._clock = clock
        self._engine = engine

    async def show(self, citizen_id: uuid.UUID) -> Shown:
        """A fresh handle for the citizen to show.

        Raises:
            ShowRateLimited: more than ``SHOW`` a minute (the app asks one a minute while shown).
        """
        await self._limiter.hit(SHOW, str(citizen_id))
        handle = secrets.token_urlsafe(16)
        await self._store.set(f"licence:handle:{handle}", citizen_id.bytes, ttl=self._settings.handle_ttl)
        now = self._clock.now()
        return Shown(
            handle=handle,
            qr_text=f"{self._settings.issuer.rstrip('/')}/l/{handle}",
            expires_at=now + timedelta(seconds=self._settings.handle_ttl),
            refresh_at=now + timedelta(seconds=self._settings.handle_refresh),
        )

    async def ask(self, device_id: uuid.UUID, *, handle: str, kind_code: str, fields: list[str]) -> Asked:
        """A counter scanned ``handle`` and asks for ``fields`` of the citizen's ``kind_code``.

        Raises:
            VerifierUnregistered, VerifierSuspended, OutsidePurpose: refused before the citizen
                sees it (the handle stays usable). HandleInvalid: unknown, expired or scanned already.
        """
        verifier = await self._verifiers.of_device(device_id)
        refused = outside(verifier.allowed, kind_code, fields)
        if refused:
            raise OutsidePurpose(outside=refused)
        if not await self._store.set_if_absent(
            f"licence:handle-used:{handle}", b"1", ttl=self._settings.handle_ttl
        ):
            raise HandleInvalid()
        owner = await self._store.get(f"licence:handle:{handle}")
        if owner is None or len(owner) != 16:
            raise HandleInvalid()
        now = self._clock.now()
        request = RequestRow(
            id=uuid.uuid4(),
            verifier_id=verifier.id,
            citizen_id=uuid.UUID(bytes=owner),
            kind_code=kind_code,
            requested=sorted(set(fields)),
            disclosed=None,
            nonce=secrets.token_urlsafe(24),
            state="pending",
            presentation=None,
            created_at=now,
            expires_at=now + timedelta(seconds=self._settings.request_ttl),
            answered_at=None,
        )
        await self._requests.insert(request)
        return Asked(request=request, verifier=verifier)

    async def pending(self, citizen_id: uuid.UUID) -> list[Asked]:
        """Requests waiting for the citizen, oldest first; a verifier suspended since it asked is
        left out (its requests can no longer be answered)."""
        asked = []
        for request in await self._requests.pending_for(citizen_id, now=self._clock.now()):
            verifier = await self._verifiers.get(request.verifier_id)
            if verifier.suspended_at is None:
                asked.append(Asked(request=request, verifier=verifier))
        return asked

    async def answered(self, citizen_id: uuid.UUID, request_id: uuid.UUID) -> Asked:
        """One of the citizen's requests in whatever state (after they answered it)."""
        request = await self._requests.find(request_id)
        if request is None or request.citizen_id != citizen_id:
            raise RequestNotFound()
        return Asked(request=request, verifier=await self._verifiers.get(request.verifier_id))

    async def log(self, citizen_id: uuid.UUID) -> LogView:
        return await self._log.read(citizen_id)

    async def _citizens(self, citizen_id: uuid.UUID, request_id: uuid.UUID) -> Asked:
        request = await self._requests.find(request_id)
        if request is None or request.citizen_id != citizen_id:
            raise RequestNotFound()
        verifier = await self._verifiers.get(request.verifier_id)
        if request.state != "pending" or request.expires_at <= self._clock.now() or verifier.suspended_at:
            raise RequestClosed()
        return Asked(request=request, verifier=verifier)

    async def consent(self, citizen_id: uuid.UUID, request_id: uuid.UUID, *, fields: list[str]) -> RequestRow:
        """Disclose ``fields`` (a subset of what was asked) to the asking verifier.

        Raises:
            RequestNotFound, RequestClosed, FieldsInvalid, NotHeld, LicenceUnusable.
        """
        asked = await self._citizens(citizen_id, request_id)
        request = asked.request
        extra = sorted(set(fields) - set(request.requested))
        if extra:
            raise FieldsInvalid(fields=extra)
        held = await self._licences.usable_of_kind(citizen_id, request.kind_code)
        now = self._clock.now()
        # A field the credential does not carry (a marriage certificate has no expiry) is not disclosed.
        disclosed = sorted(set(fields) & set(credentials.disclosure_digests(held.credential)))
        presentation = credentials.present(
            held.credential,
            claims=disclosed,
            holder=await self._keys.holder(citizen_id, now=now),
            published=await self._keys.lookup(now=now),
            aud=audience(request.verifier_id),
            nonce=request.nonce,
            now=now,
        )
        async with transaction(self._engine):
            sealed = self._cipher.seal(presentation.compact, column=f"{PRESENTATION}:{request.id}")
            values = {"presentation": sealed, "disclosed": disclosed, "answered_at": now}
            if not await self._requests.move(
                request.id, from_state="pending", to_state="presented", now=now, values=values
            ):
                raise RequestClosed()
            await self._log.append(citizen_id, self._event("disclosed", asked, disclosed), now=now)
        return msgspec.structs.replace(request, state="presented", disclosed=disclosed, answered_at=now)

    async def decline(self, citizen_id: uuid.UUID, request_id: uuid.UUID) -> RequestRow:
        asked = await self._citizens(citizen_id, request_id)
        now = self._clock.now()
        async with transaction(self._engine):
            if not await self._requests.move(
                request_id, from_state="pending", to_state="declined", now=now, values={"answered_at": now}
            ):
                raise RequestClosed()
            await self._log.append(citizen_id, self._event("declined", asked, []), now=now)
        return msgspec.structs.replace(asked.request, state="declined", answered_at=now)

    def _event(self, event: str, asked: Asked, disclosed: list[str]) -> LogEvent:
        return LogEvent(
            event=event,
            kind_code=asked.request.kind_code,
            verifier_id=str(asked.verifier.id),
            verifier_name=asked.verifier.name,
            purpose=asked.verifier.purpose,
            requested=asked.request.requested,
            disclosed=disclosed,
            outcome=event,
            request_id=str(asked.request.id),
        )

    async def _counters(self, device_id: uuid.UUID, request_id: uuid.UUID) -> tuple[RequestRow, VerifierRow]:
        """The request if the asking device made it (else 404, whoever asks), then its live
        registration (a verifier suspended since answers 403)."""
        request = await self._requests.find(request_id)
        if request is None:
            raise RequestNotFound()
        asker = await self._verifiers.get(request.verifier_id)
        if asker.device_id != device_id:
            raise RequestNotFound()
        return request, await self._verifiers.of_device(device_id)

    async def delivered(self, device_id: uuid.UUID, request_id: uuid.UUID) -> Delivered:
        """The asking counter's view of its request: the presentation once the citizen consented."""
        request, _ = await self._counters(device_id, request_id)
        lapsed = request.expires_at <= self._clock.now()
        if lapsed and request.state in ("pending", "presented"):
            # Before the expiry job has run: the counter's window is over all the same.
            request = msgspec.structs.replace(
                request, state="expired" if request.state == "pending" else "lapsed"
            )
        presentation = None
        if request.presentation is not None and request.state == "presented":
            presentation = self._cipher.open(request.presentation, column=f"{PRESENTATION}:{request.id}")
        return Delivered(
            request=msgspec.structs.replace(request, presentation=None), presentation=presentation
        )

    async def verify(
        self, device_id: uuid.UUID, request_id: uuid.UUID, presentation: str
    ) -> wallet.VerifiedCredential:
        """Verify a presentation made for the counter's request, once.

        Raises:
            RequestNotFound, PresentationReplayed, RequestClosed, PresentationInvalid.
        """
        request, verifier = await self._counters(device_id, request_id)
        now = self._clock.now()
        if request.state == "verified":
            raise PresentationReplayed()
        if request.state != "presented" or request.expires_at <= now:
            raise RequestClosed()
        published = await self._keys.lookup(now=now)
        lists = await self._status_lists.current()

        def status(uri: str, idx: int) -> int:
            if uri not in lists:
                raise wallet.errors.StatusUnavailable()
            return lists[uri].get(idx)

        try:
            verified = credentials.verify(
                presentation,
                published=published,
                aud=audience(verifier.id),
                nonce=request.nonce,
                now=now,
                status=status,
            )
        except wallet.errors.WalletError as exc:
            raise PresentationInvalid(reason=exc.code) from None
        if not await self._requests.move(
            request.id, from_state="presented", to_state="verified", now=now, values={"presentation": None}
        ):
            raise PresentationReplayed()
        return verified

    async def expire(self) -> int:
        """Close requests past their time (and log those nobody answered); how many."""
        now = self._clock.now()
        async with transaction(self._engine):
            closed = await self._requests.expire(now=now)
            for request in closed:
                verifier = await self._verifiers.get(request.verifier_id)
                await self._log.append(
                    request.citizen_id, self._event("expired", Asked(request, verifier), []), now=now
                )
        return len(closed)

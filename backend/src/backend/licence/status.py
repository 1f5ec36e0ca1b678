"""Status lists and the library's change feed.

The database is the list: each licence row holds its list and index and its status, so a
published list is built from the rows that are not valid (a handful per thousand) and signed. A
worker re-signs a list at most every ``status_cache`` seconds. The feed job reads the library's
status changes after the saved cursor and moves every holder's row; the cursor advances in the same
transaction as the rows it covers, so a crash re-reads, never skips.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from piccolo.engine.base import Engine

import wallet
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.licence import credentials
from backend.licence.errors import StatusListNotFound
from backend.licence.keys import LicenceKeys
from backend.licence.log import DisclosureLog, LogEvent
from backend.licence.repository import FEED, RecordRepository, SyncRepository, serialise
from backend.licence.settings import LicenceSettings
from integrations.elicence import ElicenceClient

log = logging.getLogger("backend.licence.status")

STATUS_LIST_TYPE = "application/statuslist+jwt"


class StatusLists:
    def __init__(
        self,
        *,
        records: RecordRepository,
        sync: SyncRepository,
        keys: LicenceKeys,
        disclosure_log: DisclosureLog,
        elicence: ElicenceClient,
        cipher: PersonalDataCipher,
        settings: LicenceSettings,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._records = records
        self._sync = sync
        self._keys = keys
        self._log = disclosure_log
        self._elicence = elicence
        self._cipher = cipher
        self._settings = settings
        self._clock = clock
        self._engine = engine
        self._signed: dict[int, tuple[float, str, wallet.StatusList]] = {}
        self._newest = 0
        self._lists_at = -float("inf")

    async def token(self, status_list: int) -> str:
        """The signed Status List Token of list ``status_list``."""
        return (await self._signed_list(status_list))[0]

    async def _signed_list(self, status_list: int) -> tuple[str, wallet.StatusList]:
        cached = self._signed.get(status_list)
        if cached is not None and time.monotonic() - cached[0] < self._settings.status_cache:
            return cached[1], cached[2]
        if status_list not in await self._lists():
            raise StatusListNotFound()
        entries = wallet.StatusList(self._settings.status_list_size, bits=2)
        for idx, status in await self._records.not_valid(status_list):
            entries.set(idx, credentials.status_value(status))
        now = self._clock.now()
        iat = int(now.timestamp())
        token = wallet.sign_status_list(
            await self._keys.issuer(now=now),
            entries,
            uri=credentials.status_uri(self._settings.issuer, status_list),
            iat=iat,
            exp=iat + self._settings.status_exp,
            ttl=self._settings.status_ttl,
            iss=self._settings.issuer,
        )
        self._signed[status_list] = (time.monotonic(), token, entries)
        return token, entries

    @property
    def issuer(self) -> str:
        return self._settings.issuer

    @property
    def ttl(self) -> int:
        return self._settings.status_ttl

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        return await self._keys.jwks(now=self._clock.now())

    async def _lists(self, *, fresh: bool = False) -> range:
        """The lists in use, 1..newest: read at most once a ``status_cache`` (an unknown number asked
        for by anyone costs no query), or now (``fresh``: one indexed MAX)."""
        if fresh or time.monotonic() - self._lists_at >= self._settings.status_cache:
            self._newest = await self._records.newest_list() or 0
            self._lists_at = time.monotonic()
        return range(1, self._newest + 1)

    async def current(self) -> dict[str, wallet.StatusList]:
        """Every list by URI, as just signed: the server's own verifications read the lists it
        publishes (one build per ``status_cache`` seconds, shared with the published tokens)."""
        lists = {}
        for status_list in await self._lists(fresh=True):
            lists[credentials.status_uri(self._settings.issuer, status_list)] = (
                await self._signed_list(status_list)
            )[1]
        return lists

    async def follow_feed(self) -> int:
        """Apply the library's status changes since the saved cursor; how many rows moved."""
        saved = await self._sync.position(FEED)
        after = saved[0] if saved else 0
        page = await self._elicence.changes(after=after, limit=500)
        if not page.items:
            return 0
        moved = 0
        now = self._clock.now()
        async with transaction(self._engine):
            await serialise(self._engine, FEED)
            current = await self._sync.position(FEED)
            if (current[0] if current else 0) != after:
                return 0  # another worker applied this page
            for change in page.items:
                index = self._cipher.blind_index(change.identifier, column="licence_record.identifier")
                for row in await self._records.set_status(index, change.status, now=now):
                    moved += 1
                    event = LogEvent(event="status", kind_code=row.kind_code, outcome=change.status)
                    await self._log.append(row.citizen_id, event, now=now)
            await self._sync.save(FEED, page.last_seq, now=now)
        if moved:
            log.info("licence statuses moved rows=%d cursor=%d", moved, page.last_seq)
        self._signed.clear()
        self._lists_at = -float("inf")
        return moved

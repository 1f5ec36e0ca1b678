"""Finishing a reclaim: what it owes the frozen account once its transaction committed.

The freeze's own transaction already ends the account's sessions in the database (its refresh-token
families, and its status, which every login and refresh checks) and writes a ``ReclaimFollowUp`` row
for the two things that live outside it (review of issue 21: they were done once, after the commit,
and lost for good if the process died in between):

1. its outstanding access tokens are denied in the store (``TokenService.revoke_subject``), and
2. its phone is told by SMS (``NOTICE_TEMPLATE``), with an idempotency key of its own
   (``notice_key``): however often a crash makes us send it again, the gateway texts once.

Each reclaim owes its own follow-up, with an id of its own: an account unfrozen on appeal and
reclaimed again is owed both, and its phone is told twice.

The request that committed the reclaim runs the follow-up at once (``run``). Whatever it leaves — the
process died, the store or the gateway was down — the job (``run_due``, every ``EVERY`` seconds in
every worker) takes up once ``GRACE`` has passed: a conditional UPDATE claims a row for one runner at
a time. Each step is safe to repeat, and its audit row (``auth.sessions_revoked``,
``citizen.reclaim_notified``) is written once, with the conditional UPDATE that records it. A notice
the gateway refuses, or still can't take after ``MAX_ATTEMPTS`` tries (retries 1 minute apart,
doubling up to an hour: about seven hours in all), is given up and audited as
``citizen.reclaim_notice_failed`` for the service desk.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.tokens import TokenService
from backend.citizen.records import PHONE
from backend.citizen.repository import CitizenRepository, FollowUpRepository, FollowUpRow
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.observability.masking import mask_phone
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.sms import SmsClient

log = logging.getLogger("backend.citizen.tasks")

NOTICE_TEMPLATE = "SQ_ACCOUNT_RECLAIMED"
# A follow-up its request is still running (or one a runner just took) is left alone this long: longer
# than a request takes, short against the 15 minutes an access token lives.
GRACE = timedelta(seconds=60)
EVERY = 15.0
BATCH = 50
FIRST_RETRY, MAX_RETRY = timedelta(minutes=1), timedelta(hours=1)
MAX_ATTEMPTS = 12


def notice_key(follow_up: uuid.UUID) -> str:
    """The notice's idempotency key at the gateway: one per reclaim (its follow-up's id), the same on
    every try. A follow-up written when its id was the frozen account's keeps the key it had."""
    return f"reclaim-{follow_up}"


def _retry_in(attempts: int) -> timedelta:
    return min(MAX_RETRY, FIRST_RETRY * (1 << min(attempts - 1, 16)))


class ReclaimFollowUps:
    def __init__(
        self,
        *,
        repository: FollowUpRepository,
        citizens: CitizenRepository,
        tokens: TokenService,
        sms: SmsClient,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._citizens = citizens
        self._tokens = tokens
        self._sms = sms
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def owe(self, follow_up: uuid.UUID, *, frozen: uuid.UUID, by: uuid.UUID) -> None:
        """Inside the freeze's transaction: the follow-up ``follow_up`` of ``frozen``, reclaimed by
        ``by``."""
        now = self._clock.now()
        await self._repository.add(follow_up, frozen=frozen, by=by, now=now, due_at=now + GRACE)

    async def run(self, follow_up: uuid.UUID) -> None:
        """In the request that committed the reclaim, at once. Never raises: the reclaim stands, and
        whatever fails here is the job's to finish."""
        try:
            await self._run(follow_up, due_by=None)
        except Exception:
            log.exception("reclaim follow-up %s failed: the job will finish it", follow_up)

    async def run_due(self, *, now: datetime | None = None) -> None:
        """The job's step: every follow-up due at ``now`` (default: the clock's)."""
        due_by = now or self._clock.now()
        for follow_up in await self._repository.due(now=due_by, limit=BATCH):
            try:
                await self._run(follow_up, due_by=due_by)
            except Exception:
                # Claimed, so due again after GRACE; the next rows still get their turn.
                log.exception("reclaim follow-up %s failed, will retry", follow_up)

    async def _run(self, follow_up: uuid.UUID, *, due_by: datetime | None) -> None:
        row = await self._repository.claim(follow_up, now=due_by, until=self._clock.now() + GRACE)
        if row is None:
            return  # finished, or another runner has it
        if not row.sessions_ended:
            await self._end_sessions(row)
        if row.notice is None:
            await self._tell(row)
        now = self._clock.now()
        await self._repository.settle(follow_up, now=now, due_at=now + _retry_in(row.attempts))

    async def _end_sessions(self, row: FollowUpRow) -> None:
        frozen = row.frozen_citizen
        await self._tokens.revoke_subject("citizen", frozen)
        async with transaction(self._engine):
            if await self._repository.sessions_ended(row.id, now=self._clock.now()):
                await self._audit.append(
                    actor=f"citizen:{row.by_citizen}",
                    action="auth.sessions_revoked",
                    subject=f"citizen:{frozen}",
                    data={"reason": "identity_reclaimed", "sessions": "all"},
                    chain="auth",
                )

    async def _tell(self, row: FollowUpRow) -> None:
        frozen, attempts = row.frozen_citizen, row.attempts
        citizen = await self._citizens.find(frozen)
        assert citizen is not None, "a frozen account keeps its row"
        phone = self._cipher.open(citizen.phone_sealed, column=PHONE)
        try:
            await self._sms.send(phone, NOTICE_TEMPLATE, idempotency_key=notice_key(row.id))
            outcome = "sent"
        except UpstreamRejected as exc:
            log.warning("reclaim notice to %s refused by the gateway: %s", mask_phone(phone), exc.code)
            outcome = "failed"
        except UpstreamUnavailable:
            if attempts < MAX_ATTEMPTS:
                log.info("reclaim notice to %s not sent (try %s): will retry", mask_phone(phone), attempts)
                return
            log.warning("reclaim notice to %s given up after %s tries", mask_phone(phone), attempts)
            outcome = "failed"
        async with transaction(self._engine):
            if await self._repository.noticed(row.id, outcome):
                await self._audit.append(
                    actor=f"citizen:{row.by_citizen}",
                    action="citizen.reclaim_notified"
                    if outcome == "sent"
                    else "citizen.reclaim_notice_failed",
                    subject=f"citizen:{frozen}",
                    data={"phone": mask_phone(phone), "template": NOTICE_TEMPLATE, "tries": attempts},
                    chain="auth",
                )

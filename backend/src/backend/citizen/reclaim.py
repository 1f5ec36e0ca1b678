"""Reclaiming an identity: the person it belongs to takes it back from the account that holds it.

Someone registered this identity first — with a phone that was the person's own at the time and has
since changed hands, say. The person proves everything a registration asks (their phone by SMS, the
registry's match, and the operators' real-name match or a face verification: ``CitizenService.
take_back``), and gets a new account with their phone; in the same transaction the old account is
frozen (``status = frozen``: it keeps its row as evidence, and can no longer log in or refresh) and its
citizen-code devices are revoked and its holder restricted (offline credentials included) — all of it or
none. Then its sessions and refresh-token families end and its phone is told by SMS. Every step is
audited on the ``auth`` and ``code`` chains, with masked data only.

From the commit on, a login or refresh of the old account is refused by its status whatever happens
next; the steps after it are each safe to repeat.
"""

from __future__ import annotations

import logging
import uuid

from backend.audit.service import AuditLog
from backend.auth.tokens import TokenService
from backend.citizen.records import FrozenCitizen, Registration
from backend.citizen.service import CitizenService
from backend.code.service import CitizenCodeService
from backend.observability.masking import mask_phone
from integrations import UpstreamError
from integrations.sms import SmsClient

log = logging.getLogger("backend.citizen.reclaim")

NOTICE_TEMPLATE = "SQ_ACCOUNT_RECLAIMED"


class ReclaimService:
    def __init__(
        self,
        *,
        citizens: CitizenService,
        codes: CitizenCodeService,
        tokens: TokenService,
        sms: SmsClient,
        audit: AuditLog,
    ) -> None:
        self._citizens = citizens
        self._codes = codes
        self._tokens = tokens
        self._sms = sms
        self._audit = audit

    async def reclaim(
        self,
        *,
        phone: str,
        sms_code: str | None,
        face_ticket: str | None = None,
        name: str,
        id_number: str,
        password: str | None = None,
        client: str,
    ) -> Registration:
        """Take the identity back (see the module docstring); the new citizen and their first session."""
        registration, frozen = await self._citizens.take_back(
            phone=phone,
            sms_code=sms_code,
            face_ticket=face_ticket,
            name=name,
            id_number=id_number,
            password=password,
            client=client,
            with_freeze=self._suspend_code,
        )
        actor = f"citizen:{registration.citizen.id}"
        await self._tokens.revoke_subject("citizen", frozen.id)
        await self._audit.append(
            actor=actor,
            action="auth.sessions_revoked",
            subject=f"citizen:{frozen.id}",
            data={"reason": "identity_reclaimed", "sessions": "all"},
            chain="auth",
        )
        await self._tell(frozen, actor=actor)
        return registration

    async def _suspend_code(self, frozen: uuid.UUID, *, by: uuid.UUID) -> None:
        await self._codes.suspend(frozen, actor=f"citizen:{by}", reason="identity_reclaimed")

    async def _tell(self, frozen: FrozenCitizen, *, actor: str) -> None:
        # A failed text doesn't undo the reclaim: it is audited for the service desk to follow up.
        delivered = True
        try:
            await self._sms.send(frozen.phone, NOTICE_TEMPLATE, idempotency_key=f"reclaim-{frozen.id}")
        except UpstreamError as exc:
            delivered = False
            log.warning("reclaim notice to %s not sent: %s", mask_phone(frozen.phone), exc)
        await self._audit.append(
            actor=actor,
            action="citizen.reclaim_notified" if delivered else "citizen.reclaim_notice_failed",
            subject=f"citizen:{frozen.id}",
            data={"phone": mask_phone(frozen.phone), "template": NOTICE_TEMPLATE},
            chain="auth",
        )

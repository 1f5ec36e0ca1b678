"""Reclaiming an identity: the person it belongs to takes it back from the account that holds it.

Someone registered this identity first — with a phone that was the person's own at the time and has
since changed hands, say. The person proves everything a registration asks (their phone by SMS, the
registry's match, and the operators' real-name match or a face verification: ``CitizenService.
admit``), and gets a new account with their phone. In the same transaction — all of it or none —
the old account is frozen (``status = frozen``: it keeps its row as evidence, and can no longer log in
or refresh), its sessions end (its refresh-token families are revoked), its citizen-code devices are
revoked and its holder restricted (offline credentials included), and a follow-up is recorded for
what lives outside the database: denying its outstanding access tokens and telling its phone by SMS.
The request does the follow-up at once; if it dies first, the follow-up job finishes it
(``backend.citizen.tasks``). Every step is audited on the ``auth`` and ``code`` chains, with masked
data only.
"""

from __future__ import annotations

import uuid

import msgspec

from backend.auth.tokens import TokenService
from backend.citizen.records import Registration
from backend.citizen.service import CitizenService
from backend.citizen.tasks import ReclaimFollowUps
from backend.code.service import CitizenCodeService


class TakenOver(msgspec.Struct, frozen=True, kw_only=True):
    """A committed reclaim: the new citizen and their first session, the account it froze, and the
    follow-up it owes that account (``backend.citizen.tasks``)."""

    registration: Registration
    frozen: uuid.UUID
    follow_up: uuid.UUID


class ReclaimService:
    def __init__(
        self,
        *,
        citizens: CitizenService,
        codes: CitizenCodeService,
        tokens: TokenService,
        follow_ups: ReclaimFollowUps,
    ) -> None:
        self._citizens = citizens
        self._codes = codes
        self._tokens = tokens
        self._follow_ups = follow_ups

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
        taken = await self.take_over(
            phone=phone,
            sms_code=sms_code,
            face_ticket=face_ticket,
            name=name,
            id_number=id_number,
            password=password,
            client=client,
        )
        await self._follow_ups.run(taken.follow_up)
        return taken.registration

    async def take_over(
        self,
        *,
        phone: str,
        sms_code: str | None,
        face_ticket: str | None = None,
        name: str,
        id_number: str,
        password: str | None = None,
        client: str,
    ) -> TakenOver:
        """The reclaim's transaction and nothing after it. From its commit on the follow-up is owed,
        and done by whoever gets to it first."""
        registrant = await self._citizens.admit(
            phone=phone,
            sms_code=sms_code,
            face_ticket=face_ticket,
            name=name,
            id_number=id_number,
            client=client,
            taking=True,
        )
        assert registrant.holder is not None
        # Chosen before the transaction, so this request can run the follow-up after the commit.
        follow_up = uuid.uuid4()

        async def in_freeze(frozen: uuid.UUID, *, by: uuid.UUID) -> None:
            await self._codes.suspend(frozen, actor=f"citizen:{by}", reason="identity_reclaimed")
            # In the freeze's transaction, so an account unfrozen on appeal never gets these sessions back.
            await self._tokens.end_sessions("citizen", frozen)
            await self._follow_ups.owe(follow_up, frozen=frozen, by=by)

        row = await self._citizens.enrol(registrant, password=password, client=client, step=in_freeze)
        registration = await self._citizens.first_session(row)
        return TakenOver(registration=registration, frozen=registrant.holder, follow_up=follow_up)

"""Proof that the registrant is the person whose identity they give (issue 21, row 1).

A name and an ID number are no secret: the registry confirming they belong together proves nothing
about who typed them. The registrant has already proven they hold a phone (an SMS code, or a mini
program platform's fresh phone proof); the operators' real-name check then says whether that phone is
registered to this identity. ``match`` is the proof. Anything else — the phone is someone else's,
has no real-name record, or is a virtual operator's number the check can't answer — falls to a face
verification on the platform: the registrant scans their face in the platform SDK, and the platform
compares it with the identity's portrait.

**A face proves the person, never the phone.** A face verification is opened only for a phone its
caller proved by an SMS code just now: a platform's word for a phone (a mini program's phone API) is
enough beside the operators' ``match``, but where they can't vouch the answer is
``citizen.sms_code_required``. Otherwise a replayed platform proof and the caller's own face would
register someone else's phone (issue 21 review: phone squatting).

**Face tickets.** Asking for a face verification answers ``citizen.face_verification_required``
with a *face ticket* (256 random bits, handed out once) and the platform's ``verification_id`` for
the SDK. The store keeps, under the ticket's SHA-256 for ``FACE_TICKET_TTL`` seconds, the
verification id, our own reference for it (``outer_id``) and a MAC binding the ticket to the phone,
name and ID number it was issued for. The registrant then sends the same request with the ticket in
place of the SMS code: the ticket proves the phone (it was issued only after an SMS code proved it)
and, once the platform's result — read here, server-side — says ``passed`` for exactly this identity
and reference, the identity. A client-side "passed" is never evidence. One verification makes one
citizen: the registration's row records the verification id, unique in the database, so of
registrations and reclaims racing with one ticket the one that commits wins, and one that loses (to
them, or to another reclaim of the same account) keeps the ticket for another try. A failed or expired
verification burns it.

Face verifications are billed per use: at most ``FACE_PER_PAIR_DAY`` a day for one identity on one
phone, so a stranger can't spend the owner's own budget from their phone, and the registration's
per-address budget bounds the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Literal

import msgspec

from backend.citizen.errors import (
    FaceTicketInvalid,
    FaceVerificationFailed,
    FaceVerificationPending,
    FaceVerificationRequired,
    FaceVerificationThrottled,
    FaceVerificationUnavailable,
    OperatorCheckUnavailable,
    SmsCodeRequired,
)
from backend.crypto import PersonalDataCipher
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter
from backend.store import KeyValueStore
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.faceverify import FaceVerifyClient
from integrations.telecom import CheckOutcome, TelecomClient

log = logging.getLogger("backend.citizen.proof")

# The platform gives 600 s to scan; 300 s more to come back and complete the request.
FACE_TICKET_TTL = 900
FACE_PER_PAIR_DAY = RateLimit(FaceVerificationThrottled, limit=3, window=86_400)


class IdentityProof(msgspec.Struct, frozen=True, kw_only=True):
    """How a registrant proved they are the person: ``telecom`` (their phone is registered to the
    identity; ``reference`` = the operator's request id) or ``face`` (``reference`` = the platform's
    verification id; ``face_ticket`` is spent when the registration commits)."""

    method: Literal["telecom", "face"]
    reference: str
    face_ticket: str | None = None


class _FaceTicket(msgspec.Struct, frozen=True):
    verification_id: str
    outer_id: str
    binding: str


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(_FaceTicket)


def _key(ticket: str) -> str:
    return "citizen:face:{" + hashlib.sha256(ticket.encode()).hexdigest() + "}"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class IdentityProofs:
    def __init__(
        self,
        *,
        telecom: TelecomClient,
        faceverify: FaceVerifyClient,
        store: KeyValueStore,
        cipher: PersonalDataCipher,
        limiter: RateLimiter,
    ) -> None:
        self._telecom = telecom
        self._faceverify = faceverify
        self._store = store
        self._cipher = cipher
        self._limiter = limiter

    async def prove(
        self, *, name: str, id_number: str, phone: str, face_ticket: str | None, phone_by_sms: bool
    ) -> IdentityProof:
        """The proof that the holder of ``phone`` is (``name``, ``id_number``), whose phone the caller
        has proven (``phone_by_sms``: with an SMS code, else a platform vouched for it): the
        operator's ``match``, or the passed face verification behind ``face_ticket``. Raises
        ``FaceVerificationRequired`` (a new ticket) when the operator can't vouch for an SMS-proven
        phone, ``SmsCodeRequired`` for any other."""
        if face_ticket is not None:
            return await self._face_proof(face_ticket, name=name, id_number=id_number, phone=phone)
        outcome, reference = await self.check_phone(name=name, id_number=id_number, phone=phone)
        if outcome == "match":
            return IdentityProof(method="telecom", reference=reference)
        if not phone_by_sms:
            # A face proves who the registrant is, not that they hold this phone now; the ticket will
            # vouch for the phone wherever it is presented. Before a (billed) verification is opened.
            raise SmsCodeRequired()
        log.info("operator check %s for phone=%s: face verification", outcome, mask_phone(phone))
        raise await self.require_face(name=name, id_number=id_number, phone=phone)

    async def check_phone(self, *, name: str, id_number: str, phone: str) -> tuple[CheckOutcome, str]:
        """The operators' verdict on (name, ID number, phone) and its request id."""
        try:
            check = await self._telecom.verify(name=name, id_number=id_number, phone=phone)
        except UpstreamUnavailable as exc:
            raise OperatorCheckUnavailable(retry_after=int(exc.retry_after or 5)) from None
        except UpstreamRejected as exc:
            log.warning("operators' real-name check rejected a check: %s", exc.code)
            raise OperatorCheckUnavailable(retry_after=60) from None
        return check.result, check.request_id

    async def require_face(self, *, name: str, id_number: str, phone: str) -> FaceVerificationRequired:
        """Open a face verification of (``name``, ``id_number``) and a ticket bound to it and ``phone``:
        the error to raise, carrying both."""
        pair = self._cipher.mac(f"{id_number}\n{phone}", purpose="face_pair")
        await self._limiter.hit(FACE_PER_PAIR_DAY, pair)
        outer_id = secrets.token_urlsafe(16)
        try:
            session = await self._faceverify.start(name=name, id_number=id_number, outer_id=outer_id)
        except UpstreamUnavailable as exc:
            await self._limiter.refund(FACE_PER_PAIR_DAY, pair)
            raise FaceVerificationUnavailable(retry_after=int(exc.retry_after or 5)) from None
        except UpstreamRejected as exc:
            log.warning("face verification service refused to open a verification: %s", exc.code)
            raise FaceVerificationUnavailable(retry_after=60) from None
        ticket = secrets.token_urlsafe(32)
        record = _FaceTicket(
            verification_id=session.verification_id,
            outer_id=outer_id,
            binding=self._binding(name=name, id_number=id_number, phone=phone),
        )
        await self._store.set(_key(ticket), _encoder.encode(record), ttl=FACE_TICKET_TTL)
        return FaceVerificationRequired(
            ticket=ticket, verification_id=session.verification_id, expires_in=FACE_TICKET_TTL
        )

    async def vouches(self, face_ticket: str, *, name: str, id_number: str, phone: str) -> bool:
        """True when ``face_ticket`` is live and was issued for this phone and identity: the phone was
        proven when it was (what a caller may learn about that phone before its result is read)."""
        raw = await self._store.get(_key(face_ticket))
        if raw is None:
            return False
        expected = self._binding(name=name, id_number=id_number, phone=phone)
        return _same(_decoder.decode(raw).binding, expected)

    async def forget(self, proof: IdentityProof) -> None:
        """Drop a face proof's ticket once its citizen committed. The database decided that it was
        the one (a citizen's ``face_verification`` is unique); this only tidies the store."""
        if proof.face_ticket is not None:
            await self._store.delete(_key(proof.face_ticket))

    def _binding(self, *, name: str, id_number: str, phone: str) -> str:
        return self._cipher.mac(f"{phone}\n{id_number}\n{name}", purpose="face_ticket")

    async def _face_proof(self, ticket: str, *, name: str, id_number: str, phone: str) -> IdentityProof:
        raw = await self._store.get(_key(ticket))
        if raw is None:
            raise FaceTicketInvalid()
        record = _decoder.decode(raw)
        if not _same(record.binding, self._binding(name=name, id_number=id_number, phone=phone)):
            # Another phone or identity than the ticket was issued for: not a failed verification.
            raise FaceTicketInvalid()
        try:
            result = await self._faceverify.result(record.verification_id)
        except UpstreamUnavailable as exc:
            raise FaceVerificationUnavailable(retry_after=int(exc.retry_after or 5)) from None
        except UpstreamRejected as exc:
            log.warning("face verification service refused a result: %s", exc.code)
            await self._store.delete(_key(ticket))
            raise FaceTicketInvalid() from None
        if result.status == "pending":
            raise FaceVerificationPending()
        # Both compared, always, in constant time; the platform must have verified exactly this
        # identity for exactly this reference of ours.
        same_identity = _same(result.id_number, id_number) & _same(result.name, name)
        same_reference = _same(result.outer_id, record.outer_id)
        if result.status != "passed" or not (same_identity and same_reference):
            await self._store.delete(_key(ticket))
            if result.status == "passed":
                log.warning("face verification %s passed for another identity", record.verification_id)
            raise FaceVerificationFailed()
        return IdentityProof(method="face", reference=record.verification_id, face_ticket=ticket)

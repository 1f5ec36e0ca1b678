"""Client of the department case system: submit, query status, verify status callbacks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote

import msgspec

from integrations._adapter import BaseAdapter
from integrations.cases.schemas import (
    ApplicationSubmission,
    CaseReceipt,
    CaseStatus,
    StatusCallback,
    Supplement,
    Withdrawal,
)
from integrations.errors import UpstreamMalformed
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number
from integrations.signing import CALLBACK_WINDOW_SECONDS, verify_callback

__all__ = ["CaseClient", "parse_status_callback"]

_log = logging.getLogger("integrations.cases")


class CaseClient(BaseAdapter):
    """Department case system (部门办件系统).

    Submission requires an idempotency key (generate it when the outbox row is written,
    reuse it on every retry and replay), so retries can never create a second case.
    """

    system = "cases"

    async def submit_application(
        self, submission: ApplicationSubmission, *, idempotency_key: str
    ) -> CaseReceipt:
        """Submit an application; repeating the key returns the first receipt.

        Raises:
            UpstreamRejected: ``unknown_item``, ``idempotency_key_reused``...
        """
        parse_id_number(submission.applicant.id_number)
        _log.debug(
            "submit item=%s applicant=%s",
            submission.item_code,
            mask_id_number(submission.applicant.id_number),
        )
        return await self.client.call(
            "POST",
            "/v1/applications",
            operation="submit_application",
            json=submission,
            response_type=CaseReceipt,
            idempotency_key=idempotency_key,
        )

    async def submit_supplement(
        self, case_id: str, supplement: Supplement, *, idempotency_key: str
    ) -> CaseReceipt:
        """Send the corrected form of a returned case (补正); repeating the key returns the first receipt.

        Raises:
            UpstreamRejected: ``case_not_found``, ``case_not_returned``, ``idempotency_key_reused``.
        """
        return await self.client.call(
            "POST",
            f"/v1/applications/{quote(case_id, safe='')}/supplements",
            operation="submit_supplement",
            json=supplement,
            response_type=CaseReceipt,
            idempotency_key=idempotency_key,
        )

    async def withdraw(self, case_id: str, withdrawal: Withdrawal, *, idempotency_key: str) -> CaseReceipt:
        """Tell the department the citizen withdrew (撤回); repeating the key returns the first receipt.

        Raises:
            UpstreamRejected: ``case_not_found``, ``case_closed`` (decided already: too late),
                ``idempotency_key_reused``.
        """
        return await self.client.call(
            "POST",
            f"/v1/applications/{quote(case_id, safe='')}/withdrawal",
            operation="withdraw",
            json=withdrawal,
            response_type=CaseReceipt,
            idempotency_key=idempotency_key,
        )

    async def get_status(self, case_id: str) -> CaseStatus:
        """The case's current status and its full, append-only history."""
        return await self.client.call(
            "GET",
            f"/v1/applications/{quote(case_id, safe='')}",
            operation="get_status",
            response_type=CaseStatus,
        )


def parse_status_callback(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: float,
    window: int = CALLBACK_WINDOW_SECONDS,
) -> StatusCallback:
    """Verify a signed status callback (see :func:`~integrations.verify_callback`) and decode it.

    Deduplicate on ``event_id`` (delivery is at-least-once) and remember the nonce for
    ``window`` seconds to refuse replays.

    Raises:
        SignatureRejected: missing headers, stale timestamp or bad signature.
        UpstreamMalformed: correctly signed, but not a status callback.
    """
    verified = verify_callback(headers, body, secret, now, window=window)
    try:
        return msgspec.json.decode(verified.body, type=StatusCallback)
    except msgspec.DecodeError as exc:
        raise UpstreamMalformed(system="cases", operation="callback", detail=str(exc)) from None

"""Client of the face verification service: open a verification, read its result."""

from __future__ import annotations

import logging

from integrations._adapter import BaseAdapter
from integrations.faceverify.schemas import FaceQuery, FaceResult, FaceSession, FaceStartRequest
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number

__all__ = ["FaceVerifyClient"]

_log = logging.getLogger("integrations.faceverify")


class FaceVerifyClient(BaseAdapter):
    """Face verification (人脸核身). Opening carries ``outer_id`` as its idempotency key, so a retried
    open returns the same verification; reading a result is a read. Both are retried."""

    system = "faceverify"

    async def start(self, *, name: str, id_number: str, outer_id: str) -> FaceSession:
        """Open a verification of (``name``, ``id_number``); ``outer_id`` is our reference for it.

        Raises:
            InvalidIdNumber: ``id_number`` fails GB 11643 (checked before any call).
            UpstreamRejected | UpstreamUnavailable: see :class:`UpstreamClient`.
        """
        normalised = parse_id_number(id_number).value
        _log.debug("start id=%s outer_id=%s", mask_id_number(normalised), outer_id)
        return await self.client.call(
            "POST",
            "/v1/face/verifications",
            operation="start",
            json=FaceStartRequest(name=name, id_number=normalised, outer_id=outer_id),
            response_type=FaceSession,
            idempotency_key=outer_id,
        )

    async def result(self, verification_id: str) -> FaceResult:
        """The verification's status and the identity it was for.

        Raises:
            UpstreamRejected: ``verification_not_found`` for an id the service never issued.
            UpstreamUnavailable: see :class:`UpstreamClient`.
        """
        return await self.client.call(
            "POST",
            "/v1/face/verifications/query",
            operation="result",
            json=FaceQuery(verification_id=verification_id),
            response_type=FaceResult,
            idempotent=True,
        )

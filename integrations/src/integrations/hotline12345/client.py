"""Client of the 12345 hotline platform: file a ticket (with its photos), read tickets' status and
replies, rate a closed ticket."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from urllib.parse import quote

from integrations._adapter import BaseAdapter
from integrations.hotline12345.schemas import (
    Attachment,
    NewTicket,
    Rating,
    TicketPage,
    TicketQuery,
    TicketReceipt,
    TicketStatus,
)

__all__ = ["MAX_QUERY", "TICKET_NO", "Hotline12345Client"]

# The platform's ticket numbers: "12345" + date + sequence, letters and digits only.
TICKET_NO = re.compile(r"^[A-Z0-9]{8,32}$")
# Tickets per status query (the platform's page limit).
MAX_QUERY = 100


class Hotline12345Client(BaseAdapter):
    """The city's 12345 platform (工单 intake and 回复). Filing and rating carry an idempotency key,
    so a retry after a lost answer files nothing twice; photos are stored by digest, so sending one
    again stores nothing new."""

    system = "hotline12345"

    async def put_attachment(self, data: bytes, *, content_type: str) -> str:
        """Store a photo at the platform by its SHA-256 (hex), which a ticket then names.

        Raises:
            UpstreamRejected: ``attachment_type`` (not a JPEG/PNG/WebP), ``attachment_too_large``.
        """
        digest = hashlib.sha256(data).hexdigest()
        await self.client.request(
            "PUT",
            f"/v1/attachments/{digest}",
            operation="put_attachment",
            json=Attachment(content_type=content_type, data=base64.b64encode(data).decode()),
            idempotent=True,  # stored by digest: a repeat stores the same bytes
        )
        return digest

    async def file(self, ticket: NewTicket, *, idempotency_key: str) -> TicketReceipt:
        """File ``ticket``: the platform's ticket number.

        Raises:
            UpstreamRejected: ``unknown_category``, ``attachment_missing`` (a photo not sent first),
                ``content_refused`` (the platform's own screening), ``idempotency_key_reused``.
        """
        return await self.client.call(
            "POST",
            "/v1/tickets",
            operation="file_ticket",
            json=ticket,
            response_type=TicketReceipt,
            idempotency_key=idempotency_key,
        )

    async def statuses(self, ticket_nos: Sequence[str]) -> list[TicketStatus]:
        """The status and replies of up to ``MAX_QUERY`` tickets; unknown numbers are left out."""
        if len(ticket_nos) > MAX_QUERY:
            raise ValueError(f"at most {MAX_QUERY} tickets per query")
        page = await self.client.call(
            "POST",
            "/v1/tickets/query",
            operation="query_tickets",
            json=TicketQuery(ticket_nos=list(ticket_nos)),
            response_type=TicketPage,
            idempotent=True,
        )
        return page.items

    async def rate(self, ticket_no: str, rating: Rating, *, idempotency_key: str) -> TicketStatus:
        """Rate a closed ticket once (满意度回访).

        Raises:
            UpstreamRejected: ``ticket_not_found``, ``ticket_not_closed``, ``already_rated``,
                ``invalid_rating``.
        """
        return await self.client.call(
            "POST",
            f"/v1/tickets/{quote(ticket_no, safe='')}/rating",
            operation="rate_ticket",
            json=rating,
            response_type=TicketStatus,
            idempotency_key=idempotency_key,
        )

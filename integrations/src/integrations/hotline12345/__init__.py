"""The 12345 government service hotline (12345政务服务便民热线): complaints, reports, suggestions and
consultations filed as tickets, their departments' replies, and the citizen's rating after closure."""

from integrations.hotline12345.client import MAX_QUERY, TICKET_NO, Hotline12345Client
from integrations.hotline12345.schemas import (
    CATEGORIES,
    Contact,
    Location,
    NewTicket,
    Rating,
    Reply,
    TicketKind,
    TicketReceipt,
    TicketState,
    TicketStatus,
)

__all__ = [
    "CATEGORIES",
    "MAX_QUERY",
    "TICKET_NO",
    "Contact",
    "Hotline12345Client",
    "Location",
    "NewTicket",
    "Rating",
    "Reply",
    "TicketKind",
    "TicketReceipt",
    "TicketState",
    "TicketStatus",
]

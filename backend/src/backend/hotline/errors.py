"""The hotline feature's errors.

NotFound (404)      TicketNotFound          hotline.ticket_not_found (not the caller's, or none)
                    PhotoNotFound           hotline.photo_not_found (not the caller's, or taken)
Conflict (409)      TicketNotClosed         hotline.ticket_not_closed (rated before closure)
                    AlreadyRated            hotline.already_rated
Invalid (422)       ContentRejected         hotline.content_rejected (``extra.reason`` names why)
                    CategoryUnknown         hotline.category_unknown
Unsupported (415)   PhotoTypeUnsupported    hotline.photo_type_unsupported (JPEG or PNG only)
Too large (413)     PhotoTooLarge           hotline.photo_too_large
Unavailable (503)   HotlineUnavailable      hotline.unavailable (the 12345 platform is down)
                    PhotoStoreUnavailable   hotline.photo_store_unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, Unavailable


class TicketNotFound(NotFound):
    code = "hotline.ticket_not_found"
    detail = "You have no such 12345 ticket"


class PhotoNotFound(NotFound):
    code = "hotline.photo_not_found"
    detail = "You have no such photo, or it belongs to a ticket already"


class TicketNotClosed(Conflict):
    code = "hotline.ticket_not_closed"
    detail = "A ticket can be rated once it is closed"


class AlreadyRated(Conflict):
    code = "hotline.already_rated"
    detail = "You have rated this ticket"


class ContentRejected(Invalid):
    """The text failed the content check: ``reason`` is ``abuse``, ``advertising``,
    ``personal_data``, ``invisible_characters`` or ``repetition``; ``field`` is where."""

    code = "hotline.content_rejected"
    detail = "The text can't be filed as written"

    def __init__(self, reason: str, *, field: str, detail: str) -> None:
        super().__init__(detail=detail, extra={"reason": reason, "field": field})


class CategoryUnknown(Invalid):
    code = "hotline.category_unknown"
    detail = "No such category; GET /api/v1/hotline/categories lists them"


class PhotoTypeUnsupported(Invalid):
    status = 415
    title = "Unsupported media type"
    code = "hotline.photo_type_unsupported"
    detail = "Upload a JPEG or PNG photo"

    def __init__(self, reason: str) -> None:
        super().__init__(extra={"reason": reason})


class PhotoTooLarge(Invalid):
    status = 413
    title = "Content too large"
    code = "hotline.photo_too_large"
    detail = "A photo is at most 5 MiB"


class HotlineUnavailable(Unavailable):
    code = "hotline.unavailable"
    detail = "The 12345 platform can't be reached; try again shortly"
    retry_after = 5


class PhotoStoreUnavailable(Unavailable):
    code = "hotline.photo_store_unavailable"
    detail = "Photos can't be stored right now; try again shortly"
    retry_after = 5

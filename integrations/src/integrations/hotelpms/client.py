"""Client of a hotel's PMS: self check-in, answered with a room and its key code."""

from __future__ import annotations

import re
from urllib.parse import quote

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.hotelpms.schemas import CheckIn, RoomKey

__all__ = ["HOTEL_CODE", "HotelPmsClient"]

# The hotel's code at the PMS gateway: letters, digits and dashes.
HOTEL_CODE = re.compile(r"^[A-Za-z0-9-]{3,32}$")


class HotelPmsClient(BaseAdapter):
    """The PMS gateway of Suqian's hotels (酒店PMS对接). A check-in carries an idempotency key, so a
    retry answers the same room and key code."""

    system = "hotelpms"

    async def check_in(self, hotel_code: str, request: CheckIn, *, idempotency_key: str) -> RoomKey:
        """Check ``request``'s guest in at ``hotel_code``: the assigned room and its key code.

        Raises:
            UpstreamRejected: ``unknown_hotel`` (also for a malformed code, checked first),
                ``unknown_room_type``, ``no_room_ready`` (every room of the type is occupied),
                ``guest_invalid`` (the ID number fails its check digit), ``idempotency_key_reused``.
        """
        if not HOTEL_CODE.match(hotel_code):
            raise UpstreamRejected(system=self.system, operation="check_in", code="unknown_hotel")
        return await self.client.call(
            "POST",
            f"/v1/hotels/{quote(hotel_code, safe='')}/check-ins",
            operation="check_in",
            json=request,
            response_type=RoomKey,
            idempotency_key=idempotency_key,
        )

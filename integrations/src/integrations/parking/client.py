"""Client of the parking gate platform: the lots' gate events by cursor, and exit clearances."""

from __future__ import annotations

from urllib.parse import quote

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.parking.plates import is_valid_plate, normalise_plate
from integrations.parking.schemas import Clearance, ClearanceAnswer, GateEvent, GateEvents

__all__ = ["ParkingGateClient"]


class ParkingGateClient(BaseAdapter):
    """The city's parking gate platform (停车场道闸平台). Reads are retried; a clearance carries an
    idempotency key, so it is retried too and opens the barrier once."""

    system = "parking"

    async def events(self, *, after: int, limit: int = 100) -> tuple[list[GateEvent], int]:
        """Gate events after cursor ``after`` (oldest first) and the cursor to ask from next."""
        answer = await self.client.call(
            "GET",
            "/v1/events",
            operation="events",
            params={"after": str(after), "limit": str(limit)},
            response_type=GateEvents,
        )
        return answer.items, answer.next_after

    async def clear(
        self,
        lot_code: str,
        *,
        plate: str,
        stay_ref: str,
        paid_fen: int,
        until: str,
        idempotency_key: str,
    ) -> ClearanceAnswer:
        """Open ``lot_code``'s exit barrier for ``plate`` until ``until``.

        Raises:
            UpstreamRejected: ``invalid_plate`` (checked first), ``unknown_lot``,
                ``vehicle_not_in_lot``, ``idempotency_key_reused``.
        """
        if not is_valid_plate(plate):
            raise UpstreamRejected(system=self.system, operation="clear", code="invalid_plate")
        return await self.client.call(
            "POST",
            f"/v1/lots/{quote(lot_code, safe='')}/clearances",
            operation="clear",
            json=Clearance(plate=normalise_plate(plate), stay_ref=stay_ref, paid_fen=paid_fen, until=until),
            response_type=ClearanceAnswer,
            idempotency_key=idempotency_key,
        )

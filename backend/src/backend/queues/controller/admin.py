from __future__ import annotations

import uuid

from litestar import Controller, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.queues.errors import (
    HallNotFound,
    PartyBandInvalid,
    PrefixTaken,
    ScheduleInvalid,
    ServiceNotFound,
    ServiceNotInHall,
    VenueTaken,
)
from backend.queues.model import Counter, Service
from backend.queues.schemas import (
    CounterCreate,
    HallCreate,
    HallCreated,
    Materialise,
    Materialised,
    ServiceCreate,
)
from backend.queues.service import HallService


class QueueAdminController(Controller):
    path = "/api/v1/admin/queue"
    tags = ("admin", "queue")
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/halls",
        status_code=HTTP_201_CREATED,
        summary="Create a hall (service centre or hospital department) with its hours and rules",
        description="`venue` ties kiosks to the hall: a scanner device registered with that venue. "
        "`check_in_code` is what the hall's QR poster carries; it is shown here and on the board.",
        errors=(ScheduleInvalid, VenueTaken),
    )
    async def create_hall(
        self,
        data: JSONBody[HallCreate],
        halls: NamedDependency[HallService],
        principal: NamedDependency[Principal],
    ) -> HallCreated:
        hall, code = await halls.create_hall(
            name=data.name,
            kind=data.kind,
            venue=data.venue,
            hours=[None if day is None else [day.opens, day.closes] for day in data.hours],
            holidays=[day.isoformat() for day in data.holidays],
            priority_bands=data.priority_bands,
            grace_seconds=data.grace_seconds,
            max_recalls=data.max_recalls,
            check_in_before_minutes=data.check_in_before_minutes,
            check_in_after_minutes=data.check_in_after_minutes,
            by=principal,
        )
        return HallCreated(hall=hall, check_in_code=code)

    @post(
        "/halls/{hall_id:uuid}/services",
        status_code=HTTP_201_CREATED,
        summary="Add a service to a hall: its number prefix and slot template",
        errors=(HallNotFound, PrefixTaken, PartyBandInvalid),
    )
    async def add_service(
        self,
        hall_id: FromPath[uuid.UUID],
        data: JSONBody[ServiceCreate],
        halls: NamedDependency[HallService],
        principal: NamedDependency[Principal],
    ) -> Service:
        return await halls.add_service(
            hall_id,
            name=data.name,
            prefix=data.prefix,
            slot_minutes=data.slot_minutes,
            slot_capacity=data.slot_capacity,
            service_minutes=data.service_minutes,
            party_min=data.party_min,
            party_max=data.party_max,
            by=principal,
        )

    @post(
        "/halls/{hall_id:uuid}/counters",
        status_code=HTTP_201_CREATED,
        summary="Add a counter to a hall and the services it serves",
        errors=(HallNotFound, ServiceNotInHall),
    )
    async def add_counter(
        self,
        hall_id: FromPath[uuid.UUID],
        data: JSONBody[CounterCreate],
        halls: NamedDependency[HallService],
        principal: NamedDependency[Principal],
    ) -> Counter:
        return await halls.add_counter(hall_id, name=data.name, services=list(data.services), by=principal)

    @put(
        "/halls/{hall_id:uuid}/staff/{staff_id:uuid}",
        status_code=204,
        summary="Assign a counter clerk to a hall: they work its counters and no other hall's",
        errors=(HallNotFound,),
    )
    async def assign(
        self,
        hall_id: FromPath[uuid.UUID],
        staff_id: FromPath[uuid.UUID],
        halls: NamedDependency[HallService],
        principal: NamedDependency[Principal],
    ) -> None:
        await halls.assign(hall_id, staff_id, by=principal)

    @post(
        "/services/{service_id:uuid}/slots",
        status_code=200,
        summary="Materialise a service's slots from its template, today and the days ahead",
        description="Repeatable: existing slots stay as they are. A background job does this daily.",
        errors=(ServiceNotFound, HallNotFound),
    )
    async def materialise(
        self,
        service_id: FromPath[uuid.UUID],
        data: JSONBody[Materialise],
        halls: NamedDependency[HallService],
    ) -> Materialised:
        return Materialised(created=await halls.materialise(days=data.days, service_id=service_id))

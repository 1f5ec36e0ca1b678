"""Parking (智慧停車): the public list of car parks and their availability, operators' lots and bays,
and the citizen's plates, reservations and stays paid on exit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN, staff
from backend.auth.principal import Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.parking.errors import (
    BaysInvalid,
    LotCodeTaken,
    LotFull,
    LotNotFound,
    NothingToPay,
    PlateInvalid,
    PlateLinked,
    PlateNotFound,
    ReservationNotActive,
    ReservationNotFound,
    StayClosed,
    StayNotFound,
    WindowInvalid,
)
from backend.parking.repository import LotRow, ReservationRow, StayRow
from backend.parking.schemas import (
    BayRead,
    LotAvailability,
    LotCreate,
    LotDetail,
    LotPage,
    LotRead,
    PlateCreate,
    PlatePage,
    PlateRead,
    ReservationCreate,
    ReservationPage,
    ReservationRead,
    StayPage,
    StayPay,
    StayPayment,
    StayRead,
)
from backend.parking.service import ParkingService
from backend.payment.errors import ORDER_ERRORS

OWNS_STAY = {"stay_id": "parking.stay"}


def _lot(row: LotRow) -> LotRead:
    return LotRead(
        id=row.id,
        code=row.code,
        name=row.name,
        address=row.address,
        bays=row.bays,
        reservable=row.reservable,
        free_minutes=row.free_minutes,
        hour_fen=row.hour_fen,
        daily_cap_fen=row.daily_cap_fen,
    )


def _reservation(row: ReservationRow) -> ReservationRead:
    return ReservationRead(
        id=row.id,
        lot_id=row.lot_id,
        plate=row.plate_masked,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=row.status,
    )


async def _stay(row: StayRow, parking: ParkingService) -> StayRead:
    return StayRead(
        id=row.id,
        lot_id=row.lot_id,
        plate=row.plate_masked,
        status=row.status,
        entered_at=row.entered_at,
        exit_requested_at=row.exit_requested_at,
        exited_at=row.exited_at,
        paid_fen=row.paid_fen,
        due_fen=await parking.due(row),
        reserved=row.reservation_id is not None,
    )


class ParkingLotController(Controller):
    path = "/api/v1/parking/lots"
    tags = ("parking",)
    # Its OPTIONS answer (Litestar's, for the path of the public list and the operators' POST) is
    # the operators'; every route below declares its own access, ANYONE said beside the route.
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="Car parks and their tariffs", access=ANYONE)
    async def list_lots(self, parking: NamedDependency[ParkingService]) -> LotPage:
        return LotPage(items=[_lot(row) for row in await parking.lots()])

    @get("/{lot_id:uuid}", summary="A car park and its bays", access=ANYONE, errors=(LotNotFound,))
    async def lot(self, lot_id: FromPath[uuid.UUID], parking: NamedDependency[ParkingService]) -> LotDetail:
        return LotDetail(
            lot=_lot(await parking.lot(lot_id)),
            bays=[
                BayRead(code=b.code, kind=b.kind, reservable=bool(b.reservable))
                for b in await parking.bays(lot_id)
            ],
        )

    @get(
        "/{lot_id:uuid}/availability",
        summary="Bays left to reserve for every hour of a window",
        access=ANYONE,
        errors=(LotNotFound, WindowInvalid),
    )
    async def availability(
        self,
        lot_id: FromPath[uuid.UUID],
        starts_at: FromQuery[datetime],
        ends_at: FromQuery[datetime],
        parking: NamedDependency[ParkingService],
    ) -> LotAvailability:
        _, left = await parking.available(lot_id, starts_at, ends_at)
        return LotAvailability(lot_id=lot_id, starts_at=starts_at, ends_at=ends_at, left=left)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Add a car park: its gate platform code, tariff (integer fen) and bays",
        access=staff("operator"),
        errors=(LotCodeTaken, BaysInvalid),
    )
    async def add_lot(
        self,
        data: JSONBody[LotCreate],
        parking: NamedDependency[ParkingService],
        principal: NamedDependency[Principal],
    ) -> LotRead:
        row = await parking.add_lot(
            by=principal.subject,
            bays=[(b.code, b.kind, b.reservable) for b in data.bays],
            code=data.code,
            name=data.name,
            address=data.address,
            free_minutes=data.free_minutes,
            hour_fen=data.hour_fen,
            daily_cap_fen=data.daily_cap_fen,
        )
        return _lot(row)


class ParkingCitizenController(Controller):
    path = "/api/v1/parking"
    tags = ("parking",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/plates",
        status_code=HTTP_201_CREATED,
        summary="Link a plate (to pay its stays)",
        errors=(PlateInvalid, PlateLinked),
    )
    async def link(
        self,
        data: JSONBody[PlateCreate],
        parking: NamedDependency[ParkingService],
        principal: NamedDependency[Principal],
    ) -> PlateRead:
        row = await parking.link_plate(principal.id, data.plate)
        return PlateRead(id=row.id, plate=row.plate_masked, created_at=row.created_at)

    @get("/plates", summary="The caller's plates (masked)")
    async def plates(
        self, parking: NamedDependency[ParkingService], principal: NamedDependency[Principal]
    ) -> PlatePage:
        rows = await parking.plates(principal.id)
        return PlatePage(
            items=[PlateRead(id=r.id, plate=r.plate_masked, created_at=r.created_at) for r in rows]
        )

    @delete(
        "/plates/{plate_id:uuid}",
        summary="Unlink a plate",
        owns={"plate_id": "parking.plate"},
        errors=(PlateNotFound,),
    )
    async def unlink(
        self,
        plate_id: FromPath[uuid.UUID],
        parking: NamedDependency[ParkingService],
        principal: NamedDependency[Principal],
    ) -> None:
        await parking.unlink_plate(principal.id, plate_id)

    @post(
        "/reservations",
        status_code=HTTP_201_CREATED,
        summary="Reserve a bay for a plate and a window: every hour of it, or none",
        description="With an `Idempotency-Key` header a retried request answers the first response.",
        errors=(LotNotFound, PlateNotFound, WindowInvalid, LotFull, *IDEMPOTENCY_ERRORS),
        responses={HTTP_201_CREATED: ResponseSpec(ReservationRead, description="Reserved")},
    )
    async def reserve(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ReservationCreate],
        parking: NamedDependency[ParkingService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def reserve() -> ReservationRead:
            row = await parking.reserve(
                principal.id, data.lot_id, data.plate_id, starts_at=data.starts_at, ends_at=data.ends_at
            )
            return _reservation(row)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"parking.reserve:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=reserve,
        )

    @get("/reservations", summary="The caller's reservations, latest window first")
    async def reservations(
        self, parking: NamedDependency[ParkingService], principal: NamedDependency[Principal]
    ) -> ReservationPage:
        return ReservationPage(items=[_reservation(r) for r in await parking.reservations(principal.id)])

    @post(
        "/reservations/{reservation_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        summary="Cancel a reservation (its hours go back)",
        owns={"reservation_id": "parking.reservation"},
        errors=(ReservationNotFound, ReservationNotActive),
    )
    async def cancel(
        self,
        reservation_id: FromPath[uuid.UUID],
        parking: NamedDependency[ParkingService],
        principal: NamedDependency[Principal],
    ) -> ReservationRead:
        return _reservation(await parking.cancel_reservation(principal.id, reservation_id))

    @get("/stays", summary="Stays of the caller's plates, newest first, with what each owes now")
    async def stays(
        self, parking: NamedDependency[ParkingService], principal: NamedDependency[Principal]
    ) -> StayPage:
        return StayPage(items=[await _stay(row, parking) for row in await parking.stays(principal.id)])

    @get(
        "/stays/{stay_id:uuid}", summary="A stay and what it owes now", owns=OWNS_STAY, errors=(StayNotFound,)
    )
    async def stay(
        self,
        stay_id: FromPath[uuid.UUID],
        parking: NamedDependency[ParkingService],
        principal: NamedDependency[Principal],
    ) -> StayRead:
        return await _stay(await parking.stay(principal.id, stay_id), parking)

    @post(
        "/stays/{stay_id:uuid}/payments",
        status_code=HTTP_201_CREATED,
        summary="Pay what a stay owes now: once paid, the exit barrier opens for the plate",
        description="With an `Idempotency-Key` header a retried request answers the first response; "
        "without one, an unpaid order for the stay is answered again (never a second charge).",
        owns=OWNS_STAY,
        errors=(
            StayNotFound,
            StayClosed,
            NothingToPay,
            LotNotFound,
            *ORDER_ERRORS,
            *IDEMPOTENCY_ERRORS,
        ),
        responses={HTTP_201_CREATED: ResponseSpec(StayPayment, description="Payment started")},
    )
    async def pay(
        self,
        request: Request[Any, Any, Any],
        stay_id: FromPath[uuid.UUID],
        data: JSONBody[StayPay],
        parking: NamedDependency[ParkingService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def pay() -> StayPayment:
            stay, payment, created = await parking.pay(principal.id, stay_id, channel=data.channel)
            return StayPayment(
                stay=await _stay(stay, parking),
                order_id=created.order.id,
                amount_fen=payment.amount_fen,
                order_status=created.order.status,
                pay_arguments=created.pay_arguments,
            )

        return await idempotent_json(
            idempotency,
            request,
            scope=f"parking.pay:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=pay,
        )

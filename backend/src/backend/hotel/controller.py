"""Hotels (酒店預訂): the public list and availability, operators' hotels and room types, and the
citizen's bookings — pay, cancel, self check-in."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN, staff
from backend.auth.principal import Principal
from backend.hotel.errors import (
    BookingNotCancellable,
    BookingNotConfirmed,
    CheckInNotOpen,
    HotelBookingNotFound,
    HotelCodeTaken,
    HotelNotFound,
    IdentityMismatch,
    NoRoomReady,
    PmsRefused,
    PmsUnavailable,
    RoomTypeCodeTaken,
    RoomTypeNotFound,
    SoldOut,
    StayInvalid,
)
from backend.hotel.repository import BookingRow, HotelRow, RoomTypeRow
from backend.hotel.schemas import (
    Availability,
    BookingPage,
    BookingRead,
    BookingStarted,
    CheckInBody,
    HotelBookingCreate,
    HotelCreate,
    HotelDetail,
    HotelPage,
    HotelRead,
    RoomLeft,
    RoomTypeCreate,
    RoomTypeRead,
)
from backend.hotel.service import HotelService
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.payment.errors import ORDER_ERRORS

OWNS_BOOKING = {"booking_id": "hotel.booking"}


def _hotel(row: HotelRow) -> HotelRead:
    return HotelRead(
        id=row.id,
        code=row.code,
        name=row.name,
        district=row.district,
        address=row.address,
        phone=row.phone,
        check_in_minute=row.check_in_minute,
        free_cancel_hours=row.free_cancel_hours,
        late_fee_percent=row.late_fee_percent,
    )


def _room_type(row: RoomTypeRow) -> RoomTypeRead:
    return RoomTypeRead(
        id=row.id, code=row.code, name=row.name, beds=row.beds, rooms=row.rooms, price_fen=row.price_fen
    )


def _booking(row: BookingRow, hotels: HotelService) -> BookingRead:
    return BookingRead(
        id=row.id,
        hotel_id=row.hotel_id,
        room_type_id=row.room_type_id,
        arrival=row.arrival,
        departure=row.departure,
        nights=row.nights,
        amount_fen=row.amount_fen,
        status=row.status,
        order_id=row.order_id,
        expires_at=row.expires_at,
        fee_fen=row.fee_fen,
        refund_fen=row.refund_fen,
        refunded_fen=row.refunded_fen,
        room_no=row.room_no,
        key_code=hotels.key_code(row),
        key_valid_until=row.key_valid_until,
    )


class HotelController(Controller):
    path = "/api/v1/hotels"
    tags = ("hotels",)
    # Its OPTIONS answer (Litestar's, for the path of the public list and the operators' POST) is
    # the operators'; every route below declares its own access, ANYONE said beside the route.
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="Hotels", access=ANYONE)
    async def list_hotels(self, hotels: NamedDependency[HotelService]) -> HotelPage:
        return HotelPage(items=[_hotel(row) for row in await hotels.hotels()])

    @get("/{hotel_id:uuid}", summary="A hotel and its room types", access=ANYONE, errors=(HotelNotFound,))
    async def hotel(
        self, hotel_id: FromPath[uuid.UUID], hotels: NamedDependency[HotelService]
    ) -> HotelDetail:
        return HotelDetail(
            hotel=_hotel(await hotels.hotel(hotel_id)),
            room_types=[_room_type(row) for row in await hotels.room_types(hotel_id)],
        )

    @get(
        "/{hotel_id:uuid}/availability",
        summary="Rooms left of each room type for every night of a stay, and the stay's price",
        access=ANYONE,
        errors=(HotelNotFound, StayInvalid),
    )
    async def availability(
        self,
        hotel_id: FromPath[uuid.UUID],
        arrival: FromQuery[date],
        departure: FromQuery[date],
        hotels: NamedDependency[HotelService],
    ) -> Availability:
        found = await hotels.availability(hotel_id, arrival, departure)
        nights = (departure - arrival).days
        return Availability(
            arrival=arrival,
            departure=departure,
            items=[
                RoomLeft(room_type=_room_type(kind), left=left, amount_fen=kind.price_fen * nights)
                for kind, left in found
            ],
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Add a hotel (its PMS code, check-in time and cancellation rule)",
        access=staff("operator"),
        errors=(HotelCodeTaken,),
    )
    async def add_hotel(
        self,
        data: JSONBody[HotelCreate],
        hotels: NamedDependency[HotelService],
        principal: NamedDependency[Principal],
    ) -> HotelRead:
        fields = {f: getattr(data, f) for f in data.__struct_fields__}
        return _hotel(await hotels.add_hotel(by=principal.subject, **fields))

    @post(
        "/{hotel_id:uuid}/room-types",
        status_code=HTTP_201_CREATED,
        summary="Add a room type: its PMS code, rooms and price per night",
        access=staff("operator"),
        errors=(HotelNotFound, RoomTypeCodeTaken),
    )
    async def add_room_type(
        self,
        hotel_id: FromPath[uuid.UUID],
        data: JSONBody[RoomTypeCreate],
        hotels: NamedDependency[HotelService],
        principal: NamedDependency[Principal],
    ) -> RoomTypeRead:
        fields = {f: getattr(data, f) for f in data.__struct_fields__}
        return _room_type(await hotels.add_room_type(hotel_id, by=principal.subject, **fields))


class HotelBookingController(Controller):
    path = "/api/v1/hotel-bookings"
    tags = ("hotels",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Book a room for a stay: its nights are held until the order expires",
        description="One room of the type for every night, or none (`hotel.sold_out`). With an "
        "`Idempotency-Key` header a retried request answers the first response.",
        errors=(
            RoomTypeNotFound,
            HotelNotFound,
            StayInvalid,
            SoldOut,
            *ORDER_ERRORS,
            *IDEMPOTENCY_ERRORS,
        ),
        responses={HTTP_201_CREATED: ResponseSpec(BookingStarted, description="Booked, waiting for payment")},
    )
    async def book(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[HotelBookingCreate],
        hotels: NamedDependency[HotelService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def book() -> BookingStarted:
            row, created = await hotels.book(
                principal.id,
                data.room_type_id,
                arrival=data.arrival,
                departure=data.departure,
                channel=data.channel,
            )
            return BookingStarted(
                booking=_booking(row, hotels),
                order_status=created.order.status,
                pay_arguments=created.pay_arguments,
            )

        return await idempotent_json(
            idempotency,
            request,
            scope=f"hotel.book:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=book,
        )

    @get("/", summary="The caller's hotel bookings, newest first")
    async def mine(
        self, hotels: NamedDependency[HotelService], principal: NamedDependency[Principal]
    ) -> BookingPage:
        return BookingPage(items=[_booking(row, hotels) for row in await hotels.bookings(principal.id)])

    @get(
        "/{booking_id:uuid}",
        summary="A booking (with its room and key code once checked in)",
        owns=OWNS_BOOKING,
        errors=(HotelBookingNotFound,),
    )
    async def read(
        self,
        booking_id: FromPath[uuid.UUID],
        hotels: NamedDependency[HotelService],
        principal: NamedDependency[Principal],
    ) -> BookingRead:
        return _booking(await hotels.booking(principal.id, booking_id), hotels)

    @post(
        "/{booking_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        summary="Cancel a booking: free until the hotel's cut-off, then its fee; the rest is refunded",
        owns=OWNS_BOOKING,
        errors=(HotelBookingNotFound, HotelNotFound, BookingNotCancellable),
    )
    async def cancel(
        self,
        booking_id: FromPath[uuid.UUID],
        hotels: NamedDependency[HotelService],
        principal: NamedDependency[Principal],
    ) -> BookingRead:
        return _booking(await hotels.cancel(principal.id, booking_id), hotels)

    @post(
        "/{booking_id:uuid}/check-in",
        status_code=HTTP_200_OK,
        summary="Self check-in: the guest's ID card against the account, then a room and its key code",
        description="Open from the day of arrival to the day before departure. The name and ID number "
        "(read from the guest's card) must be the account's real identity; the hotel's PMS then assigns "
        "a room. A retry answers the same room.",
        owns=OWNS_BOOKING,
        errors=(
            HotelBookingNotFound,
            HotelNotFound,
            BookingNotConfirmed,
            CheckInNotOpen,
            IdentityMismatch,
            NoRoomReady,
            PmsRefused,
            PmsUnavailable,
        ),
    )
    async def check_in(
        self,
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[CheckInBody],
        hotels: NamedDependency[HotelService],
        principal: NamedDependency[Principal],
    ) -> BookingRead:
        row = await hotels.check_in(principal.id, booking_id, name=data.name, id_number=data.id_number)
        return _booking(row, hotels)

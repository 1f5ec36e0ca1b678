"""Makers of owned objects for the authorization matrix: one per kind named in a route's ``owns=``.

A route that declares ``owns={"device_id": "code.device"}`` promises that another caller of the same
kind gets the object's 404. The matrix test makes one such object for the owner (citizen A, or a device
of venue X) with the maker of its kind, then calls the route as the other (citizen B, a device of venue
Y) and as the owner. A feature that adds an owned kind adds its maker here; until it does, the matrix
test fails and names the kind.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import httpx

from backend.application.notices import STATUS_CHANGED
from backend.citizen.service import CitizenService
from backend.database import transaction
from backend.licence.repository import VerifierRepository, VerifierRow
from backend.licence.service import LicenceService
from backend.licence.showing import ShowService
from backend.notification.service import NotificationService
from backend.organisation.service import OrganisationService
from backend.parking.gate import GateFeed
from citizen_code import DeviceKey
from tests.backend.application.factories import png as tiny_png
from tests.backend.citizen.factories import request_code
from tests.backend.code.factories import Citizen, enrol
from tests.backend.hotel.factories import make_hotel, stay
from tests.backend.licence.factories import issue_at_library
from tests.backend.organisation.factories import business_licence
from tests.backend.parking.factories import make_lot, random_plate
from tests.backend.queues.factories import future_slot, make_hall
from tests.contract.owned_services import (
    credit_objection,
    datarights_export,
    education_notice,
    hotline_ticket,
    organisation_grant,
    organisation_organisation,
    tourism_hold,
    tourism_ticket,
    tourism_visitor,
    tourism_waiter,
)
from tests.contract.owner import Maker, Owner
from tests.miniprogram_api.sandbox_users import fresh_n, wechat_code
from tests.services import Services


async def code_device(client: httpx.AsyncClient, owner: Owner) -> str:
    enrolled = await enrol(client, Citizen(owner.id, owner.headers), DeviceKey.generate())
    assert enrolled.status_code == 201, enrolled.text
    device_id: str = enrolled.json()["device"]["id"]
    return device_id


async def mp_link(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.phone is not None, "linking a platform user needs the citizen's phone (step-up SMS)"
    step_up = {"phone": owner.phone, "sms_code": await request_code(client, owner.phone, "bind")}
    linked = await client.post(
        "/mp/v1/links/wechat", json={"code": wechat_code(fresh_n()), **step_up}, headers=owner.headers
    )
    assert linked.status_code == 201, linked.text
    link_id: str = linked.json()["id"]
    return link_id


async def licence_licence(client: httpx.AsyncClient, owner: Owner) -> str:
    """The citizen's ID card, or, for an agent acting for an organisation, the organisation's business
    licence (filed at the library under its credit code), pulled into the owner's wallet."""
    assert owner.services is not None
    wiring = owner.services.wiring
    person = await wiring.get(CitizenService).real_identity(owner.id)
    if owner.organisation is None:
        await issue_at_library(client, {"name": person.name, "id_number": person.id_number}, "JMSFZ")
    else:
        code = await wiring.get(OrganisationService).credit_code(owner.organisation)
        assert code is not None, "an acting owner's organisation is one the matrix claimed"
        await business_licence(client, code, person.name)
    await wiring.get(LicenceService).refresh(owner.organisation or owner.id)
    listed = await client.get("/api/v1/licences", headers=owner.headers)
    assert listed.status_code == 200, listed.text
    licence_id: str = listed.json()["items"][0]["id"]
    return licence_id


async def _request(services: Services, *, citizen: uuid.UUID, device: uuid.UUID) -> str:
    """A counter (device ``device``, registered as a verifier if it is not yet) asks ``citizen``."""
    repository = VerifierRepository(services.engine)
    if await repository.of_device(device) is None:
        await repository.insert(
            VerifierRow(
                id=uuid.uuid4(),
                device_id=device,
                name="矩阵测试窗口",
                kind="counter",
                legal_basis="测试",
                purpose="测试",
                allowed={"JMSFZ": ["name"]},
                retention_days=0,
                contact="-",
                registered_by=uuid.uuid4(),
                created_at=services.clock.now(),
            )
        )
    showing = services.wiring.get(ShowService)
    shown = await showing.show(citizen)
    asked = await showing.ask(device, handle=shown.handle, kind_code="JMSFZ", fields=["name"])
    return str(asked.request.id)


async def licence_request(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None
    return await _request(owner.services, citizen=owner.id, device=uuid.uuid4())


async def licence_counter_request(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None
    return await _request(owner.services, citizen=uuid.uuid4(), device=owner.id)


async def utility_account(client: httpx.AsyncClient, owner: Owner) -> str:
    account_no = f"SW{secrets.randbelow(10**10):010d}"
    added = await client.post(
        "/_sandbox/utility/accounts",
        json={
            "kind": "water",
            "account_no": account_no,
            "holder": "张伟",
            "address": "宿迁市",
            "bills": [{"period": "2025-01", "amount_fen": 1234}],
        },
    )
    assert added.status_code == 201, added.text
    linked = await client.post(
        "/api/v1/utilities/accounts", json={"kind": "water", "account_no": account_no}, headers=owner.headers
    )
    assert linked.status_code == 201, linked.text
    account_id: str = linked.json()["id"]
    return account_id


async def _bill_payment(client: httpx.AsyncClient, owner: Owner) -> dict[str, str]:
    """A bill of a newly linked account, its payment started in the WeChat app (no mini-program user
    to link: the owner's headers alone make it, an agent's acting-as token too)."""
    account_id = await utility_account(client, owner)
    bills = await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=owner.headers)
    bill_no = bills.json()["items"][0]["bill_no"]
    started = await client.post(
        f"/api/v1/utilities/accounts/{account_id}/payments",
        json={"bill_no": bill_no, "channel": "wechat_app"},
        headers=owner.headers,
    )
    assert started.status_code == 201, started.text
    payment: dict[str, str] = started.json()["payment"]
    return payment


async def utility_payment(client: httpx.AsyncClient, owner: Owner) -> str:
    return (await _bill_payment(client, owner))["id"]


async def payment_order(client: httpx.AsyncClient, owner: Owner) -> str:
    """An unpaid order of the owner's: a bill's."""
    return (await _bill_payment(client, owner))["order_id"]


async def application(client: httpx.AsyncClient, owner: Owner) -> str:
    created = await client.post(
        "/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    application_id: str = created.json()["id"]
    return application_id


async def application_material(client: httpx.AsyncClient, owner: Owner) -> str:
    application_id = await application(client, owner)
    png = tiny_png()  # a well-formed 1x1 PNG (the sniffer walks its chunks and CRCs)
    uploaded = await client.post(
        f"/api/v1/applications/{application_id}/materials",
        params={"slot": "residence_proof", "filename": "proof.png"},
        content=png,
        headers={**owner.headers, "content-type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    material_id: str = uploaded.json()["id"]
    return material_id


async def notification_message(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "a message is one a feature sent the citizen"
    notifications = owner.services.wiring.get(NotificationService)
    key = f"matrix:{secrets.token_hex(8)}"
    data = {
        "application_id": "x",
        "item": "居住证办理",
        "status": "已受理",
        "at": "2026-12-03 10:00",
        "note": "",
    }
    async with transaction(owner.services.engine):
        await notifications.notify(owner.owner_id, template=STATUS_CHANGED, data=data, key=key)
    message = await notifications.find_by_key(key)
    assert message is not None
    return str(message.id)


async def queue_booking(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "a booking needs a hall an operator set up"
    world = await make_hall(owner.services)
    slot = await future_slot(owner.services, world.services[0])
    booked = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(slot.id)}, headers=owner.headers
    )
    assert booked.status_code == 201, booked.text
    booking_id: str = booked.json()["id"]
    return booking_id


async def queue_ticket(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "a number needs a hall an operator set up"
    world = await make_hall(owner.services)
    walk_in = {"service_id": str(world.services[0].id), "hall_code": world.code}
    taken = await client.post("/api/v1/queue/tickets", json=walk_in, headers=owner.headers)
    assert taken.status_code == 201, taken.text
    ticket_id: str = taken.json()["id"]
    return ticket_id


async def hotel_booking(client: httpx.AsyncClient, owner: Owner) -> str:
    """An unpaid booking of the owner's (the app channel needs no linked mini-program user)."""
    assert owner.services is not None
    _, kind = await make_hotel(owner.services, client)
    arrival, departure = stay(owner.services, ahead=1)
    started = await client.post(
        "/api/v1/hotel-bookings",
        json={
            "room_type_id": str(kind.id),
            "arrival": arrival.isoformat(),
            "departure": departure.isoformat(),
            "channel": "wechat_app",
        },
        headers=owner.headers,
    )
    assert started.status_code == 201, started.text
    booking_id: str = started.json()["booking"]["id"]
    return booking_id


async def parking_plate(client: httpx.AsyncClient, owner: Owner) -> str:
    linked = await client.post(
        "/api/v1/parking/plates", json={"plate": random_plate()}, headers=owner.headers
    )
    assert linked.status_code == 201, linked.text
    plate_id: str = linked.json()["id"]
    return plate_id


async def parking_reservation(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None
    lot = await make_lot(owner.services, client, reservable=2)
    start = owner.services.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    reserved = await client.post(
        "/api/v1/parking/reservations",
        json={
            "lot_id": str(lot.id),
            "plate_id": await parking_plate(client, owner),
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
        headers=owner.headers,
    )
    assert reserved.status_code == 201, reserved.text
    reservation_id: str = reserved.json()["id"]
    return reservation_id


async def parking_stay(client: httpx.AsyncClient, owner: Owner) -> str:
    """A stay of a plate the owner linked: the car entered a lot, the gate feed read it."""
    assert owner.services is not None
    plate = random_plate()
    linked = await client.post("/api/v1/parking/plates", json={"plate": plate}, headers=owner.headers)
    assert linked.status_code == 201, linked.text
    lot = await make_lot(owner.services, client)
    arrived = await client.post(f"/_sandbox/parking/lots/{lot.code}/arrive", json={"plate": plate})
    assert arrived.status_code == 201, arrived.text
    await owner.services.wiring.get(GateFeed).step()
    stays = await client.get("/api/v1/parking/stays", headers=owner.headers)
    stay_id: str = stays.json()["items"][0]["id"]
    return stay_id


MAKERS: dict[str, Maker] = {
    "organisation.organisation": organisation_organisation,
    "organisation.grant": organisation_grant,
    "tourism.visitor": tourism_visitor,
    "tourism.waiter": tourism_waiter,
    "tourism.hold": tourism_hold,
    "tourism.ticket": tourism_ticket,
    "application.application": application,
    "application.material": application_material,
    "payment.order": payment_order,
    "utility.account": utility_account,
    "utility.payment": utility_payment,
    "code.device": code_device,
    "mp.link": mp_link,
    "licence.licence": licence_licence,
    "licence.request": licence_request,
    "licence.counter_request": licence_counter_request,
    "queue.booking": queue_booking,
    "queue.ticket": queue_ticket,
    "hotel.booking": hotel_booking,
    "parking.plate": parking_plate,
    "parking.reservation": parking_reservation,
    "parking.stay": parking_stay,
    "notification.message": notification_message,
    "education.notice": education_notice,
    "datarights.export": datarights_export,
    "credit.objection": credit_objection,
    "hotline.ticket": hotline_ticket,
}


# Owned kinds whose makers work with an agent's acting-as token (they use the owner's headers, and
# ``Owner.organisation`` / ``Owner.owner_id`` where the object is the organisation's beyond its routes:
# its licences at the library): the matrix makes them as an agent of company A and proves an agent of
# company B never reaches them.
ACTING_KINDS = frozenset(
    {
        "application.application",
        "application.material",
        "licence.licence",
        "utility.account",
        "utility.payment",
        "payment.order",
        "notification.message",
    }
)


def unknown_id() -> str:
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))

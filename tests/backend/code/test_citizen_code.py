"""The citizen's side: the online code and its QR images (read back by independent decoders), the
stable random code id, registered devices with their holder credentials, and revoking a lost one."""

from __future__ import annotations

import base64
import io
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

import cwt
import httpx
import PIL.Image
import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from cwt import COSEKey

from backend.auth.principal import CITIZEN_SCOPES
from backend.code.tables import CodeHolder
from citizen_code import DeviceKey, b45decode, sign_frame
from tests.backend.code.factories import (
    Citizen,
    code_id_of,
    enrol,
    fetch_trust,
    holder_credential,
    issued_code,
    make_citizen,
    make_scanner,
    offline_verifier,
    public_key_text,
    verify,
)
from tests.backend.staff.factories import bearer
from tests.services import Services


async def test_code_answer_has_a_60_second_code_and_a_refresh_hint(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    response = await client.get("/api/v1/citizen-code", headers=citizen.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"].startswith("SQ1:")
    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["issued_at"])
    assert lifetime.total_seconds() == 60
    assert 15 <= body["refresh_in"] <= 30


async def test_each_citizen_gets_one_random_code_id_created_on_first_use(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, other = await make_citizen(services), await make_citizen(services)
    assert not await CodeHolder.exists().where(CodeHolder.citizen_id == citizen.id)
    verifier = await offline_verifier(client)
    first, second, theirs = [
        verifier.check(await issued_code(client, who), now=int(time.time())).claims
        for who in (citizen, citizen, other)
    ]
    assert first is not None
    assert second is not None
    assert theirs is not None
    assert first.code_id == second.code_id == await code_id_of(services, citizen)
    assert first.code_id != theirs.code_id
    assert len(first.code_id) == 16


async def test_png_decodes_with_zxing_to_a_code_for_the_same_citizen(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    response = await client.get("/api/v1/citizen-code/qr.png", headers=citizen.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    image = PIL.Image.open(io.BytesIO(response.content))
    image.load()
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.ec_level == "M"
    verdict = (await offline_verifier(client)).verify(barcode.text, now=int(time.time()))
    assert verdict.passed
    assert verdict.claims is not None
    assert verdict.claims.code_id == await code_id_of(services, citizen)


async def test_png_text_is_exactly_the_issued_code(services: Services) -> None:
    citizen = await make_citizen(services)
    image, code = await services.code.render(citizen.id, image="png")
    (barcode,) = zxingcpp.read_barcodes(PIL.Image.open(io.BytesIO(image)))
    assert barcode.text == code.code


async def test_svg_is_a_well_formed_qr_svg(client: httpx.AsyncClient, services: Services) -> None:
    citizen = await make_citizen(services)
    response = await client.get("/api/v1/citizen-code/qr.svg", headers=citizen.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)  # noqa: S314 -- our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


async def test_cwt_library_verifies_an_issued_code_with_the_trust_list_key(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    code = await issued_code(client, citizen)
    trust_list = await fetch_trust(client)
    keys = [
        COSEKey.from_pem(
            key.public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            alg="ES256",
            kid=kid,
        )
        for kid, key in trust_list.keys.items()
    ]
    claims = cwt.decode(b45decode(code[4:]), keys=keys)
    assert claims[1] == services.code_settings.issuer
    assert claims[2] == await code_id_of(services, citizen)
    assert claims[4] - claims[6] == 60


async def test_code_endpoints_are_for_citizens_only(client: httpx.AsyncClient, services: Services) -> None:
    scanner = await make_scanner(services)
    assert (await client.get("/api/v1/citizen-code")).status_code == 401
    response = await client.get("/api/v1/citizen-code", headers=scanner.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_enrolled_device_gets_a_48_hour_credential_its_frames_verify_with(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, phone = await make_citizen(services), DeviceKey.generate()
    response = await enrol(client, citizen, phone)
    assert response.status_code == 201, response.text
    body = response.json()
    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["issued_at"])
    assert lifetime.total_seconds() == 48 * 3600
    assert body["device"]["label"] == "my phone"
    credential = holder_credential(response)
    frame = sign_frame(phone, credential, now=int(time.time()))
    verdict = (await offline_verifier(client)).verify(frame, now=int(time.time()))
    assert verdict.passed
    assert verdict.claims is not None
    assert verdict.claims.code_id == await code_id_of(services, citizen)


@pytest.mark.parametrize("encoding", ["point", "spki"])
async def test_device_key_is_accepted_as_a_point_or_spki(
    client: httpx.AsyncClient, services: Services, encoding: str
) -> None:
    citizen = await make_citizen(services)
    response = await client.post(
        "/api/v1/citizen-code/devices",
        json={"public_key": public_key_text(DeviceKey.generate(), encoding=encoding)},
        headers=citizen.headers,
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "public_key", ["A" * 88, "not base64 at all!!" * 3, base64.b64encode(b"\x04" + bytes(64)).decode()]
)
async def test_a_key_that_is_not_p256_is_refused(
    client: httpx.AsyncClient, services: Services, public_key: str
) -> None:
    citizen = await make_citizen(services)
    response = await client.post(
        "/api/v1/citizen-code/devices", json={"public_key": public_key}, headers=citizen.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "code.device_key_invalid"


async def test_device_limit_counts_active_devices_and_renewal_does_not_take_a_slot(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    phones = [DeviceKey.generate() for _ in range(services.code_settings.max_devices)]
    for phone in phones:
        assert (await enrol(client, citizen, phone)).status_code == 201
    refused = await enrol(client, citizen, DeviceKey.generate())
    assert refused.status_code == 409
    assert refused.json()["code"] == "code.device_limit"
    renewed = await enrol(client, citizen, phones[0])
    assert renewed.status_code == 201
    listed = (await client.get("/api/v1/citizen-code/devices", headers=citizen.headers)).json()["items"]
    assert len(listed) == len(phones)
    assert renewed.json()["device"]["id"] in {d["id"] for d in listed}


async def test_revoking_a_lost_device_frees_its_slot_and_its_key_cannot_return(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    lost, spare = DeviceKey.generate(), DeviceKey.generate()
    device_id = (await enrol(client, citizen, lost)).json()["device"]["id"]
    await enrol(client, citizen, spare)
    deleted = await client.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=citizen.headers)
    assert deleted.status_code == 204
    again = await client.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=citizen.headers)
    assert again.status_code == 204
    comeback = await enrol(client, citizen, lost)
    assert comeback.status_code == 409
    assert comeback.json()["code"] == "code.device_revoked"
    assert (await enrol(client, citizen, DeviceKey.generate())).status_code == 201
    everything = await client.get(
        "/api/v1/citizen-code/devices", params={"include_revoked": "true"}, headers=citizen.headers
    )
    revoked = [d for d in everything.json()["items"] if d["id"] == device_id]
    assert revoked[0]["revoked_at"] is not None


async def test_a_citizen_cannot_revoke_another_citizens_device(
    client: httpx.AsyncClient, services: Services
) -> None:
    owner, stranger = await make_citizen(services), await make_citizen(services)
    device_id = (await enrol(client, owner, DeviceKey.generate())).json()["device"]["id"]
    response = await client.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=stranger.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "code.device_not_found"
    missing = await client.post(f"/api/v1/citizen-code/devices/{uuid.uuid4()}/revoke", headers=owner.headers)
    assert missing.status_code == 404


async def test_revoking_a_device_denies_its_credential_online_and_offline_until_re_enrolled(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    lost, kept = DeviceKey.generate(), DeviceKey.generate()
    lost_enrolment = await enrol(client, citizen, lost)
    lost_credential = holder_credential(lost_enrolment)
    kept_credential = holder_credential(await enrol(client, citizen, kept))
    lost_id = lost_enrolment.json()["device"]["id"]
    await client.post(f"/api/v1/citizen-code/devices/{lost_id}/revoke", headers=citizen.headers)
    now = int(time.time())
    thief_frame = sign_frame(lost, lost_credential, now=now)
    online = await verify(client, scanner, thief_frame)
    assert (online["decision"], online["reason"]) == ("deny", "revoked")
    offline = (await offline_verifier(client, scanner)).verify(
        sign_frame(lost, lost_credential, now=now), now=now
    )
    assert offline.reason == "revoked"
    # The entry voids every credential of the code id, also those issued this very second; the
    # citizen's other phone renews its credential by enrolling its key again, at once.
    assert (await verify(client, scanner, sign_frame(kept, kept_credential, now=now)))["reason"] == "revoked"
    credential = holder_credential(await enrol(client, citizen, kept))
    renewed = await verify(client, scanner, sign_frame(kept, credential, now=int(time.time())))
    assert renewed["decision"] == "pass"


async def test_enrolment_is_rate_limited_per_citizen(client: httpx.AsyncClient, services: Services) -> None:
    citizen, phone = await make_citizen(services), DeviceKey.generate()
    for _ in range(30):
        assert (await enrol(client, citizen, phone)).status_code == 201
    limited = await enrol(client, citizen, phone)
    assert limited.status_code == 429
    assert limited.json()["code"] == "code.enrol_rate_limited"
    assert "retry-after" in limited.headers


async def test_revoking_a_lost_device_ends_every_session_but_the_reporting_one(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen_id = uuid.uuid4()
    here, lost = [
        await services.tokens.issue_pair("citizen", citizen_id, scopes=CITIZEN_SCOPES, client_id="app")
        for _ in range(2)
    ]
    on_lost_phone = Citizen(citizen_id, bearer(lost.access_token))
    device_id = (await enrol(client, on_lost_phone, DeviceKey.generate())).json()["device"]["id"]
    reported = await client.post(
        f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=bearer(here.access_token)
    )
    assert reported.status_code == 204
    # Whoever holds the lost phone can neither use its session nor renew it to enrol a new key.
    assert (await client.get("/api/v1/citizen-code", headers=on_lost_phone.headers)).status_code == 401
    renewed = await client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": lost.refresh_token}
    )
    assert renewed.status_code == 401
    assert (await client.get("/api/v1/citizen-code", headers=bearer(here.access_token))).status_code == 200

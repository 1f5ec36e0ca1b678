"""The citizen code on the embedded default (SQLite + in-process store + sandbox), over real HTTP:
a registered citizen's code verifies offline under the published trust list and online at a
scanner exactly once, its QR decodes with zxing-cpp, a phone enrols and its frame verifies, an offline
log uploads once, a revoked phone shows in the feed, and the keys survive a restart."""

from __future__ import annotations

import base64
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import PIL.Image
import pytest
import zxingcpp
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from citizen_code import DeviceKey, TrustList, Verifier, load_trust_list, sign_frame
from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("code")


def _trust(web: httpx.Client) -> TrustList:
    anchor = web.get("/.well-known/citizen-code/anchor").json()["public_key_pem"].encode()
    return load_trust_list(web.get("/.well-known/citizen-code/trust-list").content, anchor)


def _citizen(web: httpx.Client) -> dict[str, str]:
    person = _person(web)
    registered = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert registered.status_code == 201, registered.text
    return bearer(registered.json()["tokens"]["access_token"])


def _scanner(web: httpx.Client, data_dir: Path) -> dict[str, str]:
    (password,) = printed_passwords(data_dir)
    admin = operator_session(web, password)
    registered = web.post("/api/v1/admin/scanners", json={"scene": "bus", "venue": "K1 路"}, headers=admin)
    assert registered.status_code == 201, registered.text
    device = web.post(
        "/api/v1/scanner/token",
        json={"device_id": registered.json()["device"]["id"], "credential": registered.json()["credential"]},
    )
    return bearer(device.json()["access_token"])


def test_citizen_code_end_to_end_on_the_embedded_default(data_dir: Path) -> None:
    port = free_port()
    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        citizen, scanner = _citizen(web), _scanner(web, data_dir)
        trust_list = _trust(web)
        code = web.get("/api/v1/citizen-code", headers=citizen).json()["code"]
        first_claims = Verifier(trust_list).verify(code, now=int(time.time())).claims
        assert first_claims is not None

        first = web.post("/api/v1/scanner/verify", json={"code": code}, headers=scanner).json()
        again = web.post("/api/v1/scanner/verify", json={"code": code}, headers=scanner).json()
        assert (first["decision"], first["scene"]) == ("pass", "bus")
        assert (again["decision"], again["reason"]) == ("deny", "replayed")

        png = web.get("/api/v1/citizen-code/qr.png", headers=citizen)
        # zxing-cpp may report one symbol twice (seen once in ~10 runs); every reading must be the code.
        readings = {
            barcode.text for barcode in zxingcpp.read_barcodes(PIL.Image.open(io.BytesIO(png.content)))
        }
        assert len(readings) == 1
        (text,) = readings
        scanned = web.post("/api/v1/scanner/verify", json={"code": text}, headers=scanner).json()
        assert scanned["decision"] == "pass"
        assert scanned["pseudonym"] == first["pseudonym"]
        phone = DeviceKey.generate()
        point = phone.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        enrolled = web.post(
            "/api/v1/citizen-code/devices",
            json={"public_key": base64.b64encode(point).decode()},
            headers=citizen,
        )
        assert enrolled.status_code == 201, enrolled.text
        credential = base64.urlsafe_b64decode(enrolled.json()["holder_credential"] + "==")
        frame = sign_frame(phone, credential, now=int(time.time()))
        assert (
            web.post("/api/v1/scanner/verify", json={"code": frame}, headers=scanner).json()["reason"] == "ok"
        )
        log = {"scans": [{"code": frame, "scanned_at": datetime.now(UTC).isoformat()}]}
        uploaded = web.post("/api/v1/scanner/scans", json=log, headers=scanner)
        assert uploaded.json() == {"received": 1, "stored": 1, "flags": []}
        assert web.post("/api/v1/scanner/scans", json=log, headers=scanner).json()["stored"] == 0
        device_id = enrolled.json()["device"]["id"]
        assert (
            web.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=citizen).status_code == 204
        )
        feed = web.get("/api/v1/scanner/revocations", headers=scanner).json()
        assert [item["code_id"] for item in feed["items"]] == [first_claims.code_id]
        listed = web.get("/.well-known/citizen-code/trust-list").content

    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        # The same signed trust list (same keys, same anchor) after a restart.
        assert web.get("/.well-known/citizen-code/trust-list").content == listed
        assert _trust(web).keys == trust_list.keys

"""Materials for tests: the smallest well-formed PDF, JPEG and PNG files, and the required materials
of the residence-permit item (SQ-GA-0001: the ID card, given as the citizen's licence, and a proof
of residence, uploaded) over HTTP or through the services."""

from __future__ import annotations

import io
import secrets
import struct
import uuid
import zlib

import httpx
import pikepdf

from backend.application.materials import MaterialService
from backend.licence.service import LicenceService
from tests.backend.licence.factories import Holder
from tests.services import Services


def png(payload: bytes = b"") -> bytes:
    """A 1x1 PNG; ``payload`` goes into a text chunk, so each call can make a different file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    text = chunk(b"tEXt", b"note\x00" + payload) if payload else b""
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + text + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def jpeg(payload: bytes = b"") -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + payload + b"\xff\xd9"


def pdf(payload: bytes = b"", *, javascript: bool = False) -> bytes:
    """A one-page PDF qpdf reads; ``payload`` goes into its document information (a different file
    per payload); ``javascript`` adds an open action that runs a script (active content)."""
    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Subject"] = payload.decode("latin-1")
    if javascript:
        action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        document.Root.OpenAction = document.make_indirect(action)
    out = io.BytesIO()
    document.save(out, deterministic_id=True)
    return out.getvalue()


async def licence_id(web: httpx.AsyncClient, citizen: Holder, kind: str = "JMSFZ") -> str:
    listed = await web.get("/api/v1/licences", headers=citizen.headers)
    assert listed.status_code == 200, listed.text
    found: str = next(i["id"] for i in listed.json()["items"] if i["kind_code"] == kind)
    return found


async def upload(
    web: httpx.AsyncClient,
    citizen: Holder,
    application_id: str,
    slot: str,
    content: bytes,
    name: str = "a.png",
) -> httpx.Response:
    return await web.post(
        f"/api/v1/applications/{application_id}/materials",
        params={"slot": slot, "filename": name},
        content=content,
        headers={**citizen.headers, "content-type": "application/octet-stream"},
    )


async def give_required(web: httpx.AsyncClient, citizen: Holder, application_id: str) -> None:
    """SQ-GA-0001's required materials: the ID card as a licence, a proof of residence uploaded."""
    given = await web.post(
        f"/api/v1/applications/{application_id}/materials/licence",
        json={"slot": "id_card", "licence_id": await licence_id(web, citizen)},
        headers=citizen.headers,
    )
    assert given.status_code == 201, given.text
    uploaded = await upload(web, citizen, application_id, "residence_proof", png(b"lease"), "租房合同.png")
    assert uploaded.status_code == 201, uploaded.text


async def give_required_directly(
    services: Services, citizen_id: uuid.UUID, application_id: uuid.UUID
) -> None:
    """The same through the services (drills that make hundreds of applications)."""
    materials = services.wiring.get(MaterialService)
    [card] = [r for r in await services.wiring.get(LicenceService).held(citizen_id) if r.kind_code == "JMSFZ"]
    await materials.attach_licence(
        citizen_id, application_id, slot="id_card", licence_id=card.id, actor="test"
    )
    await materials.upload(
        citizen_id, application_id, slot="residence_proof", filename="lease.png",
        content=png(secrets.token_bytes(8)), actor="test",
    )  # fmt: skip

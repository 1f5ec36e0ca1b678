"""Materials over HTTP on PostgreSQL: the type is read from the bytes (a table of files), too large is
refused while the body still arrives, the same file is stored once, another citizen's material is a
404, and submission needs every required material — a licence material revoked since blocks it."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pikepdf
import pytest

from backend.application.materials import MaterialService
from backend.application.service import ApplicationService
from backend.application.sniff import sniff
from backend.licence.errors import LicenceUnusable
from backend.licence.status import StatusLists
from tests.backend.application.factories import jpeg, licence_id, pdf, png, upload
from tests.backend.application.test_lifecycle import draft, residence_form
from tests.backend.licence.factories import holder, set_library_status
from tests.services import Services

ZIP_END = b"PK\x05\x06" + b"\x00" * 18


def _packed_javascript() -> bytes:
    """A PDF whose JavaScript action sits in a compressed object stream: no byte scan sees it."""
    document = pikepdf.open(io.BytesIO(pdf(javascript=True)))
    out = io.BytesIO()
    document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    packed = out.getvalue()
    assert b"/JavaScript" not in packed
    return packed


@pytest.mark.parametrize(
    ("content", "kind", "refusal"),
    [
        (pdf(), "pdf", None),
        (jpeg(), "jpeg", None),
        (jpeg() + b"\x00\x00", "jpeg", None),  # a camera's zero padding after the end
        (png(), "png", None),
        (b"GIF89a\x01\x00\x01\x00", None, "unknown"),
        (b"", None, "unknown"),
        (b"<html><script>alert(1)</script></html>", None, "unknown"),
        (b"PK\x03\x04" + b"\x00" * 40 + ZIP_END, None, "unknown"),
        (png() + ZIP_END, None, "polyglot"),  # a PNG that is also a ZIP (a JAR)
        (jpeg(b"%PDF-1.4 hidden"), None, "polyglot"),  # a PDF reader finds a header in the first KiB
        (png(b"<script>alert(1)</script>"), None, "polyglot"),
        (png() + b"trailing", None, "polyglot"),
        (pdf()[:-8], None, "polyglot"),  # no %%EOF at its end
        (jpeg() + b"<?php system($_GET[1]); ?>", None, "polyglot"),
        # Something hidden after the end, then a second end marker: the structure is walked, not
        # just the last bytes read.
        (png() + b"hidden payload" + png()[-12:], None, "polyglot"),
        (jpeg() + b"hidden payload\xff\xd9", None, "polyglot"),
        (png()[:-5] + b"\x00" + png()[-4:], None, "polyglot"),  # IEND's CRC broken
        (pdf(javascript=True), None, "active"),  # an open action running a script
        (_packed_javascript(), None, "active"),  # the same inside a compressed object stream
    ],
)
def test_the_type_is_read_from_the_bytes(content: bytes, kind: str | None, refusal: str | None) -> None:
    sniffed = sniff(content)
    assert (sniffed.kind, sniffed.refusal) == (kind, refusal)


async def test_a_png_named_pdf_is_taken_as_the_png_it_is(web: httpx.AsyncClient) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    answer = await upload(web, citizen, application_id, "residence_proof", png(b"x"), "../../合同\u202e.pdf")
    assert answer.status_code == 201, answer.text
    material = answer.json()
    assert (material["media_type"], material["name"]) == ("image/png", "合同.png")
    assert material["sha256"] == hashlib.sha256(png(b"x")).hexdigest()
    back = await web.get(f"/api/v1/materials/{material['id']}", headers=citizen.headers)
    assert back.status_code == 200
    assert back.content == png(b"x")
    assert back.headers["content-type"] == "image/png"
    assert back.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a" + b"\x00" * 10, "application.material_type_unsupported"),
        (png() + ZIP_END, "application.material_type_unsupported"),
    ],
)
async def test_unknown_and_polyglot_files_are_415(web: httpx.AsyncClient, content: bytes, code: str) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    answer = await upload(web, citizen, application_id, "residence_proof", content, "x.png")
    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


async def test_a_file_over_the_limit_is_refused_while_it_still_arrives(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    limit = services.wiring.get(MaterialService).max_bytes
    chunk, sent = b"\x89PNG\r\n\x1a\n" + b"\x00" * (64 * 1024 - 8), []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(4 * limit // len(chunk)):  # four times the limit, never announced
            sent.append(len(chunk))
            yield chunk

    answer = await web.post(
        f"/api/v1/applications/{application_id}/materials",
        params={"slot": "residence_proof", "filename": "big.png"},
        content=body(),
        headers={**citizen.headers, "content-type": "image/png"},
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "application.material_too_large"
    assert answer.json()["extra"]["limit"] == limit
    # Refused at the limit: past it only the lingering close's read (``BodyReceive.drain``, so the
    # client sees the 413 rather than a reset) was asked for, never the rest of the body.
    linger = 4 * services.wiring.infra.settings.http.max_body_bytes
    assert sum(sent) <= limit + linger + 2 * len(chunk) < 4 * limit
    announced = await web.post(
        f"/api/v1/applications/{application_id}/materials",
        params={"slot": "residence_proof"},
        content=b"\x00" * (limit + 1),
        headers=citizen.headers,
    )
    assert (announced.status_code, announced.json()["code"]) == (413, "application.material_too_large")


async def test_the_same_file_twice_is_stored_once(web: httpx.AsyncClient, services: Services) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    blobs = services.wiring.infra.settings.data_dir / "blobs"
    before = _count(blobs)
    first = await upload(web, citizen, application_id, "residence_proof", pdf(b"same"), "a.pdf")
    again = await upload(web, citizen, application_id, "residence_proof", pdf(b"same"), "b.pdf")
    other_slot = await upload(web, citizen, application_id, "id_card", pdf(b"same"), "c.pdf")
    assert first.status_code == again.status_code == other_slot.status_code == 201
    assert first.json()["id"] == again.json()["id"]  # the same material
    assert other_slot.json()["id"] != first.json()["id"]
    assert _count(blobs) == before + 1  # one blob, sealed, for both materials
    assert pdf(b"same") not in _contents(blobs)  # sealed at rest: no plaintext in the store
    listed = (
        await web.get(f"/api/v1/applications/{application_id}/materials", headers=citizen.headers)
    ).json()
    assert len(listed["items"]) == 2
    assert listed["missing"] == []
    # Removing one keeps the blob the other holds; removing both sweeps it (through the outbox).
    assert (
        await web.delete(f"/api/v1/materials/{first.json()['id']}", headers=citizen.headers)
    ).status_code == 204
    back = await web.get(f"/api/v1/materials/{other_slot.json()['id']}", headers=citizen.headers)
    assert back.content == pdf(b"same")
    gone = await web.get(f"/api/v1/materials/{first.json()['id']}", headers=citizen.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "application.material_not_found")


async def test_another_citizens_material_is_404(web: httpx.AsyncClient) -> None:
    citizen, other = await holder(web, "JMSFZ"), await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    material = (await upload(web, citizen, application_id, "residence_proof", jpeg())).json()
    for answer in (
        await web.get(f"/api/v1/materials/{material['id']}", headers=other.headers),
        await web.delete(f"/api/v1/materials/{material['id']}", headers=other.headers),
    ):
        assert (answer.status_code, answer.json()["code"]) == (404, "application.material_not_found")
    stranger = await upload(web, other, application_id, "residence_proof", png())
    assert (stranger.status_code, stranger.json()["code"]) == (404, "application.not_found")
    assert (await web.get(f"/api/v1/materials/{material['id']}", headers=citizen.headers)).status_code == 200


async def test_slots_and_types_are_the_items_and_a_slot_holds_a_bounded_number(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    unknown = await upload(web, citizen, application_id, "no_such_slot", png())
    assert (unknown.status_code, unknown.json()["code"]) == (422, "application.material_slot_unknown")
    wrong_kind = await web.post(
        f"/api/v1/applications/{application_id}/materials/licence",
        json={"slot": "residence_proof", "licence_id": await licence_id(web, citizen)},
        headers=citizen.headers,
    )
    assert (wrong_kind.status_code, wrong_kind.json()["code"]) == (
        422,
        "application.material_kind_not_accepted",
    )
    per_slot = services.wiring.get(MaterialService)._per_slot
    for i in range(per_slot):
        assert (
            await upload(web, citizen, application_id, "residence_proof", png(b"%d" % i))
        ).status_code == 201
    full = await upload(web, citizen, application_id, "residence_proof", png(b"one more"))
    assert (full.status_code, full.json()["code"]) == (409, "application.material_slot_full")


async def test_a_missing_required_material_blocks_submission_and_names_the_slot(
    web: httpx.AsyncClient,
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    path = f"/api/v1/applications/{application_id}"
    await web.put(f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers)
    await upload(web, citizen, application_id, "residence_proof", png())
    refused = await web.post(f"{path}/submit", headers=citizen.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "application.materials_missing"
    assert refused.json()["extra"]["slots"] == ["id_card"]
    assert (await web.get(path, headers=citizen.headers)).json()["status"] == "draft"


async def test_a_licence_material_revoked_before_submission_blocks_it(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ", "JDCJSZ")
    created = await web.post(
        "/api/v1/applications", json={"item_code": "SQ-GA-0005"}, headers=citizen.headers
    )
    application_id = created.json()["id"]
    path = f"/api/v1/applications/{application_id}"
    given = await web.post(
        f"{path}/materials/licence",
        json={"slot": "licence", "licence_id": await licence_id(web, citizen, "JDCJSZ")},
        headers=citizen.headers,
    )
    assert given.status_code == 201, given.text
    assert given.json()["licence"]["kind"] == "JDCJSZ"
    assert given.json()["licence"]["status"] == "valid"
    for slot in ("id_card", "health"):  # the item's other required materials
        assert (await upload(web, citizen, application_id, slot, png(slot.encode()))).status_code == 201
    data = (await web.get(path, headers=citizen.headers)).json()["data"]
    data["applicant"]["phone"] = citizen.person["phone"]
    data["details"].update(reason="有效期满", mailing_address="宿迁市宿城区幸福中路88号")
    saved = await web.put(f"{path}/data", json={"data": data}, headers=citizen.headers)
    assert saved.json()["errors"] == []
    library = (await web.get("/_sandbox/elicence/licences")).json()
    driving = next(
        lic for lic in library
        if lic["kind_code"] == "JDCJSZ" and lic["holder_id_number"] == citizen.person["id_number"]
    )  # fmt: skip
    await set_library_status(web, driving["identifier"], "revoked")
    await services.wiring.get(StatusLists).follow_feed()
    blocked = await web.post(f"{path}/submit", headers=citizen.headers)
    assert blocked.status_code == 409, blocked.text
    assert blocked.json()["code"] == "licence.unusable"
    assert (await web.get(path, headers=citizen.headers)).json()["status"] == "draft"
    # The material's own re-check, apart from the auto-filled fields' (which the same licence feeds).
    application = services.wiring.get(ApplicationService)
    row = (await application.get(citizen.id, uuid.UUID(application_id))).row
    with pytest.raises(LicenceUnusable):
        await services.wiring.get(MaterialService).for_submission(citizen.id, row)


def _count(folder: Path) -> int:
    return (
        sum(1 for p in folder.rglob("*") if p.is_file() and p.parent.name != "tmp") if folder.exists() else 0
    )


def _contents(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


async def test_materials_of_abandoned_drafts_and_unsent_withdrawals_are_deleted(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    abandoned, withdrawn = (
        await draft(web, citizen, materials=False),
        await draft(web, citizen, materials=False),
    )
    for application_id, note in ((abandoned, b"abandoned"), (withdrawn, b"withdrawn")):
        assert (
            await upload(web, citizen, application_id, "residence_proof", pdf(note), "a.pdf")
        ).status_code == 201
    answer = await web.post(
        f"/api/v1/applications/{withdrawn}/withdraw", json={"reason": "不办了"}, headers=citizen.headers
    )
    assert answer.json()["status"] == "withdrawn"
    cut = services.wiring.infra.clock.now()
    kept = await draft(web, citizen, materials=False)  # touched after the cut: still in use
    assert (await upload(web, citizen, kept, "residence_proof", pdf(b"kept"), "a.pdf")).status_code == 201
    materials = services.wiring.get(MaterialService)
    assert await materials.purge_abandoned(before=cut) >= 2
    for application_id, left in ((abandoned, 0), (withdrawn, 0), (kept, 1)):
        listed = await web.get(f"/api/v1/applications/{application_id}/materials", headers=citizen.headers)
        assert len(listed.json()["items"]) == left, application_id
    assert await materials.purge_abandoned(before=cut) == 0  # nothing left to do for them
    events = await web.get(f"/api/v1/applications/{abandoned}/evidence", headers=citizen.headers)
    assert "application.materials_purged" in [p["entry"]["action"] for p in events.json()["items"]]


async def test_a_blob_altered_in_the_store_is_503_to_its_owner_never_a_500(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen, materials=False)
    uploaded = await upload(web, citizen, application_id, "residence_proof", png(b"altered"), "a.png")
    assert uploaded.status_code == 201, uploaded.text
    blobs = services.wiring.infra.settings.data_dir / "blobs"
    before = {p: p.read_bytes() for p in blobs.rglob("*") if p.is_file()}
    try:
        for path in before:
            path.write_bytes(b"not what was stored")
        answer = await web.get(f"/api/v1/materials/{uploaded.json()['id']}", headers=citizen.headers)
        assert (answer.status_code, answer.json()["code"]) == (503, "application.material_store_unavailable")
    finally:
        for path, content in before.items():
            path.write_bytes(content)

"""Guidance over HTTP on PostgreSQL: residents' questions answered from items and approved FAQ
entries, bad questions refused with a code, operators' aliases and FAQ entries (drafts never shown,
approval of the revision read), and the masked questions that found nothing."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.catalogue.seed_items import SEED
from backend.catalogue.seed_livelihood import LIVELIHOOD
from backend.catalogue.service import CatalogueService
from backend.guidance.seed import ALIASES, FAQS
from backend.guidance.service import KEEP_MISSES, GuidanceService
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import staff_token
from tests.services import Services


@pytest.fixture(scope="module")
async def guidance(services: Services) -> GuidanceService:
    await services.wiring.get(CatalogueService).seed((*SEED, *LIVELIHOOD))
    service = services.wiring.get(GuidanceService)
    await service.seed(FAQS, ALIASES)
    return service


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return {"authorization": f"Bearer {await staff_token(app, services, role='operator')}"}


async def _ask(client: httpx.AsyncClient, q: str) -> dict[str, Any]:
    answer = await client.get("/api/v1/guidance", params={"q": q})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_traditional_question_with_a_typo_finds_its_item(
    client: httpx.AsyncClient, guidance: GuidanceService
) -> None:
    body = await _ask(client, "身分證丟了怎麼補辦")
    assert body["mode"] == "answer"
    first = body["results"][0]
    assert (first["kind"], first["key"], first["item_code"]) == ("item", "SQ-GA-0004", "SQ-GA-0004")
    assert first["department"] == "宿迁市公安局"
    assert body["confidence"] >= 0.6
    assert body["clarifying_question"] is None
    typo = await _ask(client, "社宝卡补办")
    assert typo["results"][0]["key"] == "SQ-RS-0001"


async def test_a_tourists_question_reaches_an_approved_answer(
    client: httpx.AsyncClient, guidance: GuidanceService
) -> None:
    body = await _ask(client, "项王故里门票怎么买")
    first = body["results"][0]
    assert (body["mode"], first["kind"], first["key"]) == ("answer", "faq", "tourism-tickets-buy")
    assert first["answer"] == next(f.answer for f in FAQS if f.slug == "tourism-tickets-buy")


async def test_nothing_covers_it_no_answer_and_a_clarifying_question(
    client: httpx.AsyncClient, guidance: GuidanceService
) -> None:
    body = await _ask(client, "明天宿迁天气怎么样")
    assert (body["mode"], body["results"]) == ("none", [])
    assert body["clarifying_question"]
    vague = await _ask(client, "公积金")
    assert vague["mode"] == "choices"
    assert "公积金" in vague["clarifying_question"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "request.invalid"),
        ("q=", "guidance.question_empty"),
        ("q=%20%20%3F", "guidance.question_empty"),
        ("q=" + "%E8%BA%AB" * 101, "guidance.question_too_long"),
        ("q=abc%00def", "guidance.question_unreadable"),
        ("q=%E8%BA%AB%0A%E4%BB%BD", "guidance.question_unreadable"),
        ("q=%FF%FE%00%01", "guidance.question_unreadable"),
    ],
)
async def test_an_empty_huge_or_binary_question_is_400_with_a_code(
    client: httpx.AsyncClient, guidance: GuidanceService, query: str, code: str
) -> None:
    answer = await client.get(f"/api/v1/guidance?{query}")
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


async def test_an_operators_alias_leads_to_the_item_and_removing_it_undoes_that(
    client: httpx.AsyncClient, guidance: GuidanceService, operator: dict[str, str]
) -> None:
    word = f"爱心{secrets.choice('甲乙丙丁戊己庚辛')}卡片"
    assert (await _ask(client, word))["mode"] == "none"
    added = await client.post(
        "/api/v1/admin/guidance/aliases", json={"item_code": "SQ-MZ-0002", "phrase": word}, headers=operator
    )
    assert added.status_code == 201, added.text
    body = await _ask(client, word)
    assert (body["mode"], body["results"][0]["key"]) == ("answer", "SQ-MZ-0002")
    again = await client.post(
        "/api/v1/admin/guidance/aliases", json={"item_code": "SQ-MZ-0002", "phrase": word}, headers=operator
    )
    assert (again.status_code, again.json()["code"]) == (409, "guidance.alias_exists")
    unknown = await client.post(
        "/api/v1/admin/guidance/aliases", json={"item_code": "SQ-XX-9999", "phrase": word}, headers=operator
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "catalogue.item_not_found")
    listed = await client.get(
        "/api/v1/admin/guidance/aliases", params={"item_code": "SQ-MZ-0002"}, headers=operator
    )
    assert word in {a["phrase"] for a in listed.json()["items"]}
    removed = await client.delete(f"/api/v1/admin/guidance/aliases/{added.json()['id']}", headers=operator)
    assert removed.status_code == 204
    assert (await _ask(client, word))["mode"] == "none"
    gone = await client.delete(f"/api/v1/admin/guidance/aliases/{added.json()['id']}", headers=operator)
    assert (gone.status_code, gone.json()["code"]) == (404, "guidance.alias_not_found")


async def test_an_faq_is_shown_only_once_the_revision_read_is_approved(
    client: httpx.AsyncClient, guidance: GuidanceService, operator: dict[str, str], services: Services
) -> None:
    slug = f"test-ferry-{secrets.token_hex(3)}"
    question = "骆马湖游船的船票在哪里买"
    body = {"topic": "tourism", "question": question, "answer": "在景区码头售票处或“一键畅游”购买。"}
    created = await client.post("/api/v1/admin/guidance/faqs", json={**body, "slug": slug}, headers=operator)
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["revision"]) == ("draft", 1)
    assert slug not in [r["key"] for r in (await _ask(client, question))["results"]]

    edited = await client.put(
        f"/api/v1/admin/guidance/faqs/{slug}", json={**body, "phrasings": ["游船票"]}, headers=operator
    )
    assert edited.json()["revision"] == 2
    stale = await client.post(
        f"/api/v1/admin/guidance/faqs/{slug}/approve", json={"revision": 1}, headers=operator
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "guidance.faq_not_draft")
    approved = await client.post(
        f"/api/v1/admin/guidance/faqs/{slug}/approve", json={"revision": 2}, headers=operator
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    found = await _ask(client, question)
    assert (found["results"][0]["key"], found["results"][0]["answer"]) == (slug, body["answer"])

    retired = await client.post(f"/api/v1/admin/guidance/faqs/{slug}/retire", headers=operator)
    assert retired.json()["status"] == "retired"
    assert slug not in [r["key"] for r in (await _ask(client, question))["results"]]
    frozen = await client.put(f"/api/v1/admin/guidance/faqs/{slug}", json=body, headers=operator)
    assert (frozen.status_code, frozen.json()["code"]) == (409, "guidance.faq_retired")
    taken = await client.post("/api/v1/admin/guidance/faqs", json={**body, "slug": slug}, headers=operator)
    assert (taken.status_code, taken.json()["code"]) == (409, "guidance.faq_exists")
    missing = await client.get("/api/v1/admin/guidance/faqs/no-such-entry", headers=operator)
    assert (missing.status_code, missing.json()["code"]) == (404, "guidance.faq_not_found")
    actions = [r.action for r in await services.wiring.infra.audit.of_subject("main", f"faq:{slug}")]
    assert actions == [
        "guidance.faq_added",
        "guidance.faq_edited",
        "guidance.faq_approved",
        "guidance.faq_retired",
    ]


async def test_questions_that_found_nothing_are_kept_masked_and_counted_for_staff(
    app: Litestar, guidance: GuidanceService, operator: dict[str, str]
) -> None:
    marker = secrets.token_hex(3)
    asked = f"我叫王小明电话13812345678 彩票{marker}中奖去哪领"
    async with client_from(app) as client:
        for _ in range(2):
            assert (await _ask(client, asked))["mode"] == "none"
        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await client.get(
                "/api/v1/admin/guidance/misses",
                params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                headers=operator,
            )
            assert page.status_code == 200, page.text
            seen += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        forged = await client.get(
            "/api/v1/admin/guidance/misses", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=operator
        )
    mine = [m for m in seen if marker in m["question"]]
    assert len(mine) == 1
    assert mine[0]["asked"] == 2
    assert "13812345678" not in mine[0]["question"]
    assert "王小明" not in mine[0]["question"]
    assert "138****5678" in mine[0]["question"]
    assert len({m["id"] for m in seen}) == len(seen)  # the pages never repeat a row
    assert (forged.status_code, forged.json()["code"]) == (422, "request.cursor_invalid")


async def test_one_address_keeps_at_most_its_share_of_questions_and_is_still_answered(
    app: Litestar, guidance: GuidanceService, operator: dict[str, str]
) -> None:
    marker = secrets.token_hex(3)
    async with client_from(app) as client:
        for n in range(KEEP_MISSES.limit + 5):
            body = await _ask(client, f"彩票{marker}第{n}期开奖")
            assert body["mode"] == "none"
        kept = 0
        cursor: str | None = None
        while True:
            page = (
                await client.get(
                    "/api/v1/admin/guidance/misses",
                    params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                    headers=operator,
                )
            ).json()
            kept += sum(marker in m["question"] for m in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert kept == KEEP_MISSES.limit


async def test_staff_routes_are_for_operators_only(
    client: httpx.AsyncClient, guidance: GuidanceService
) -> None:
    answer = await client.get("/api/v1/admin/guidance/misses")
    assert answer.status_code == 401

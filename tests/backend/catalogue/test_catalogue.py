"""The catalogue: the seed's 24 items found by everyday words, forms checked with every field error
in Chinese, drafts edited and published by operators, and a published version that never changes."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.catalogue.definition import ItemDefinition
from backend.catalogue.forms import CompiledForm
from backend.catalogue.seed_items import SEED
from backend.catalogue.service import CatalogueService
from backend.catalogue.settings import CatalogueSettings
from tests.backend.staff.factories import staff_token
from tests.services import Services

REQUIRED = [
    "居住证办理", "户口迁移", "新生儿入户", "居民身份证换领/补领", "结婚登记预约", "生育登记",
    "义务教育入学报名", "住房公积金提取", "社会保障卡申领", "城乡居民医保参保", "个体工商户登记",
    "营业执照变更", "不动产登记资料查询", "机动车驾驶证换证", "残疾人证申领", "老年人优待证办理",
    "最低生活保障申请", "临时救助申请", "出生医学证明补发", "出入境证件办理预约", "信用报告查询",
    "信用异议申请", "失业登记/失业保险金申领", "养老保险待遇资格认证",
]  # fmt: skip


@pytest.fixture(scope="module")
async def seeded(services: Services) -> CatalogueService:
    catalogue = services.wiring.get(CatalogueService)
    await catalogue.seed(SEED)
    return catalogue


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return {"authorization": f"Bearer {await staff_token(app, services, role='operator')}"}


def _form(code: str) -> CompiledForm:
    return CompiledForm(next(item for item in SEED if item.code == code).form)


def _applicant() -> dict[str, str]:
    return {"name": "张伟", "id_number": "321302199001011234", "phone": "13800000000"}


async def test_the_seed_publishes_every_required_item_and_everyday_words_find_them(
    client: httpx.AsyncClient, seeded: CatalogueService
) -> None:
    listed = (await client.get("/api/v1/catalogue/items")).json()["items"]
    names = {item["name"] for item in listed}
    assert set(REQUIRED) <= names
    assert len(listed) >= 24
    for word, name in (
        ("暂住证", "居住证办理"),
        ("低保", "最低生活保障申请"),
        ("领失业金", "失业登记/失业保险金申领"),
    ):
        found = (await client.get("/api/v1/catalogue/items", params={"q": word})).json()["items"]
        assert found, word
        assert found[0]["name"] == name
    item = (await client.get("/api/v1/catalogue/items/SQ-GA-0001")).json()
    assert item["status"] == "published"
    assert item["definition"]["form"]["schema"]["$schema"].endswith("2020-12/schema")
    assert item["definition"]["materials"][0]["licence_kinds"] == ["JMSFZ"]
    assert (await seeded.seed(SEED)) == 0  # loading it again adds nothing


async def test_unknown_items_are_404(client: httpx.AsyncClient, seeded: CatalogueService) -> None:
    for path in ("/api/v1/catalogue/items/SQ-XX-9999", "/api/v1/catalogue/items/SQ-GA-0001/versions/99"):
        answer = await client.get(path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "catalogue.item_not_found"


def test_form_errors_name_every_field_by_json_pointer_in_chinese() -> None:
    form = _form("SQ-GA-0003")
    data: dict[str, Any] = {
        "applicant": {**_applicant(), "id_number": "12345", "phone": "1380000"},
        "details": {"from_address": "宿城区", "reason": "其他", "surprise": 1},
    }
    errors = {(e.path, e.kind): e.message for e in form.errors(data)}
    assert errors[("/applicant/id_number", "Pattern")] == "公民身份号码：格式不正确"
    assert errors[("/applicant/phone", "Pattern")] == "联系电话：格式不正确"
    assert errors[("/details/to_address", "Required")] == "迁入地地址：此项为必填项"
    assert ("/details/from_address", "MinLength") in errors
    # Required only when the reason is "其他" (if/then in the data schema).
    assert errors[("/details/reason_detail", "Required")] == "其他原因说明：此项为必填项"
    assert ("/details", "AdditionalProperties") in errors
    assert len(errors) == 6


def test_a_hidden_field_must_be_left_empty_and_the_server_evaluates_the_rule_itself() -> None:
    form = _form("SQ-GA-0003")
    details = {
        "from_address": "宿迁市宿城区幸福路1号",
        "to_address": "宿迁市宿豫区人民路2号",
        "reason": "购房落户",
    }
    assert form.errors({"applicant": _applicant(), "details": details}) == []
    assert form.hidden({"applicant": _applicant(), "details": details}) == {"/details/reason_detail"}
    leaked = {**details, "reason_detail": "写在了隐藏项里"}
    [error] = form.errors({"applicant": _applicant(), "details": leaked})
    assert (error.path, error.kind) == ("/details/reason_detail", "Hidden")


def _definition(code: str, *, name: str = "测试事项", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    base = msgspec.to_builtins(next(i for i in SEED if i.code == "SQ-MZ-0002"))
    base.update(code=code, case_item_code=code, name=name)
    if schema is not None:
        base["form"]["schema"] = schema
    return dict(base)


async def test_operators_draft_edit_and_publish_and_a_published_version_never_changes(
    client: httpx.AsyncClient, operator: dict[str, str], services: Services, seeded: CatalogueService
) -> None:
    code = f"SQ-TS-{secrets.randbelow(10_000):04d}"
    admin = "/api/v1/admin/catalogue/items"
    drafted = await client.post(admin, json=_definition(code), headers=operator)
    assert drafted.status_code == 201, drafted.text
    assert drafted.json()["version"] == 1
    assert drafted.json()["status"] == "draft"
    assert (await client.get(f"/api/v1/catalogue/items/{code}")).status_code == 404  # not published yet
    again = await client.post(admin, json=_definition(code), headers=operator)
    assert again.json()["code"] == "catalogue.draft_exists"

    edited = await client.put(
        f"{admin}/{code}/versions/1", json=_definition(code, name="测试事项（改）"), headers=operator
    )
    assert edited.status_code == 200, edited.text
    published = await client.post(f"{admin}/{code}/versions/1/publish", headers=operator)
    assert published.status_code == 200
    public = (await client.get(f"/api/v1/catalogue/items/{code}")).json()
    assert public["definition"]["name"] == "测试事项（改）"
    assert public["digest"] == published.json()["digest"]

    refused = await client.put(
        f"{admin}/{code}/versions/1", json=_definition(code, name="偷改"), headers=operator
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "catalogue.version_published"
    twice = await client.post(f"{admin}/{code}/versions/1/publish", headers=operator)
    assert twice.json()["code"] == "catalogue.version_published"
    # Below the service too: the database refuses to change a published row.
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await services.wiring.infra.engine.run_ddl(
            f"UPDATE service_item_version SET name = 'x' WHERE code = '{code}' AND version = 1"  # noqa: S608
        )
    # The next version is a new draft; the published one stays what it was.
    v2 = await client.post(admin, json=_definition(code, name="第二版"), headers=operator)
    assert v2.json()["version"] == 2
    assert (await client.get(f"/api/v1/catalogue/items/{code}")).json()["definition"][
        "name"
    ] == "测试事项（改）"


async def test_a_form_that_is_not_valid_json_schema_or_refers_outside_itself_is_refused(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    for schema in (
        {"type": "object", "properties": {"a": {"type": "nope"}}},
        {"type": "object", "$ref": "http://169.254.169.254/x"},
    ):
        code = f"SQ-TS-{secrets.randbelow(10_000):04d}"
        refused = await client.post(
            "/api/v1/admin/catalogue/items", json=_definition(code, schema=schema), headers=operator
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "catalogue.form_invalid"


def test_every_seed_item_is_a_valid_definition_whose_applicant_step_fills_from_the_id_card() -> None:
    for item in SEED:
        decoded = msgspec.json.decode(msgspec.json.encode(item), type=ItemDefinition)
        form = CompiledForm(decoded.form)
        assert form.fields["/applicant/id_number"].prefill is not None
        assert item.time_limit_days >= 1


async def test_api_workers_seeding_at_once_publish_each_item_once(services: Services) -> None:
    """Two workers start together and both seed: each item is drafted and published by one of them,
    and the other neither fails (a crashed worker stops the server) nor leaves a stray draft."""
    catalogue = services.wiring.get(CatalogueService)
    letters = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
    fresh = tuple(
        msgspec.structs.replace(item, code=f"SQ-{letters}-{n:04d}") for n, item in enumerate(SEED[:3], 1)
    )
    added = await asyncio.gather(*(catalogue.seed(fresh) for _ in range(4)))
    assert sum(added) == 3
    for item in fresh:
        versions = await catalogue.versions(item.code)
        assert [(v.version, v.status) for v in versions] == [(1, "published")]


async def test_two_workers_seeding_at_once_both_start_and_each_item_is_published_once(
    services: Services,
) -> None:
    # Every worker seeds on start (the embedded default and the benchmark's 2 workers): the second to
    # draft an item used to die of catalogue.draft_exists, and its worker with it.
    codes = [f"SQ-TS-{secrets.randbelow(10_000):04d}" for _ in range(3)]
    items = tuple(msgspec.convert(_definition(code), ItemDefinition) for code in dict.fromkeys(codes))
    catalogue = services.wiring.get(CatalogueService)
    added = await asyncio.gather(catalogue.seed(items), catalogue.seed(items))
    assert sum(added) == len(items)
    for item in items:
        assert (await catalogue.get(item.code)).version == 1


@pytest.mark.parametrize("version", ["0", "2147483648", "5460832391726454372427952478486528"])
async def test_a_version_number_no_column_holds_is_404_not_500(
    client: httpx.AsyncClient, seeded: CatalogueService, version: str
) -> None:
    answer = await client.get(f"/api/v1/catalogue/items/SQ-GA-0001/versions/{version}")
    assert (answer.status_code, answer.json()["code"]) == (404, "catalogue.item_not_found")


async def test_a_reread_that_finds_nothing_changed_keeps_the_same_items_and_a_publish_does_not(
    services: Services, seeded: CatalogueService
) -> None:
    """Guidance rebuilds its index when the catalogue's list is another object: an unchanged re-read
    handed out a new list every ``cache_seconds``, and every question waited ~200 ms for a rebuild."""
    rereading = services.rewired(CatalogueSettings(cache_seconds=0)).wiring.get(CatalogueService)
    first = await rereading.search()
    assert await rereading.search() is first
    code = f"SQ-TS-{secrets.randbelow(10_000):04d}"
    await rereading.draft(msgspec.convert(_definition(code), ItemDefinition), by="test")
    await rereading.publish(code, 1, by="test")
    after = await rereading.search()
    assert after is not first
    assert code in {item.definition.code for item in after}

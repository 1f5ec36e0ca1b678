"""Contract tests: Alipay subscribe messages (``alipay.open.app.mini.templatemessage.send``) through the
gateway adapter against its twin over real loopback HTTP — signed both ways, one send per
authorisation, refusals carrying their sub_code, an outage never retried (no idempotency key)."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.alipay import NO_SUBSCRIPTION, SEND_METHOD, sandbox_open_id, sandbox_user_id
from integrations.sandbox import Faults
from tests.integrations.test_alipay_contract import make_rig

TEMPLATE = "sandbox-ali-application-status"


async def test_a_subscribe_message_reaches_the_user_by_open_id_or_user_id(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.send_subscribe_message(
            user_id=sandbox_open_id(7),
            template_id=TEMPLATE,
            data={"keyword1": "居住证办理", "keyword2": "已受理"},
            page="pages/applications/detail?id=1",
        )
        await rig.client.send_subscribe_message(
            user_id=sandbox_user_id(7), template_id=TEMPLATE, data={"keyword1": "居住证办理"}
        )
        async with httpx.AsyncClient() as http:
            seen = (
                await http.get(f"{rig.base_url}/alipay/messages", params={"user_id": sandbox_open_id(7)})
            ).json()
        sent = rig.state.messages.sent
    assert [m["to"] for m in sent[-2:]] == [sandbox_open_id(7), sandbox_user_id(7)]
    assert seen[-1]["data"] == {"keyword1": "居住证办理", "keyword2": "已受理"}
    assert seen[-1]["page"] == "pages/applications/detail?id=1"
    assert rig.state.gateway.calls[-1] == SEND_METHOD


async def test_one_authorisation_is_one_send(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.state.messages.set_grants(sandbox_open_id(8), TEMPLATE, 1)
        await rig.client.send_subscribe_message(
            user_id=sandbox_open_id(8), template_id=TEMPLATE, data={"keyword1": "a"}
        )
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.send_subscribe_message(
                user_id=sandbox_open_id(8), template_id=TEMPLATE, data={"keyword1": "b"}
            )
    assert caught.value.code == NO_SUBSCRIPTION
    assert [m["data"]["keyword1"] for m in rig.state.messages.sent] == ["a"]


@pytest.mark.parametrize(
    ("user", "template", "value", "code"),
    [
        pytest.param(
            sandbox_open_id(9), "unknown-template", "ok", "USER_TEMPLATE_ILLEGAL", id="bad-template"
        ),
        pytest.param(sandbox_open_id(9), TEMPLATE, "字" * 21, "DATA_ILLEGAL", id="value-too-long"),
        pytest.param("someone", TEMPLATE, "ok", "isv.invalid-parameter", id="bad-recipient"),
    ],
)
async def test_refusals_carry_their_sub_code(
    serve_loopback: Any, user: str, template: str, value: str, code: str
) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.send_subscribe_message(
                user_id=user, template_id=template, data={"keyword1": value}
            )
    assert caught.value.code == code
    assert not rig.state.messages.sent


async def test_an_outage_is_unavailable_and_not_retried(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.sandbox.twins["alipay"].faults.faults = Faults(down=True)
        with pytest.raises(UpstreamUnavailable):
            await rig.client.send_subscribe_message(
                user_id=sandbox_open_id(10), template_id=TEMPLATE, data={"keyword1": "a"}
            )
        assert rig.audit[-1].attempts == 1  # a retry could deliver twice: the outbox retries instead
    assert not rig.state.messages.sent


async def test_the_twin_takes_data_as_an_object_too_as_the_documentation_shows_it(
    serve_loopback: Any,
) -> None:
    """The adapter sends ``data`` as a JSON string (the official SDKs' String-typed model); the
    documentation's examples show an object, and the twin takes both."""
    async with make_rig(serve_loopback) as rig:
        biz = {
            "to_open_id": sandbox_open_id(11),
            "user_template_id": TEMPLATE,
            "data": {"keyword1": {"value": "宿迁"}},
        }
        await rig.client.gateway.execute(SEND_METHOD, biz_content=biz, response_type=msgspec.Struct)
    assert rig.state.messages.sent[-1]["data"] == {"keyword1": "宿迁"}

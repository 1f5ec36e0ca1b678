from __future__ import annotations

from typing import Any

import httpx
import msgspec

from integrations import ManualClock, UpstreamClient, UpstreamConfig
from integrations._asgi import Request, Response, json_response
from integrations._twin import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, TwinContext, new_twin
from integrations.sandbox import create_sandbox


class Echo(msgspec.Struct):
    hello: str


def _echo_factory(context: TwinContext) -> Any:
    twin, router = new_twin("echo", context, state={"calls": 0})

    @router.route("POST", "/v1/echo")
    async def echo(request: Request) -> Response:
        twin.state["calls"] += 1
        return json_response(request.json(Echo))

    return twin


async def test_signed_call_reaches_twin_over_loopback(serve_loopback: Any) -> None:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"echo": _echo_factory})
    async with serve_loopback(sandbox) as base_url:
        config = UpstreamConfig(
            base_url=f"{base_url}/echo", app_key=SANDBOX_APP_KEY, app_secret=SANDBOX_APP_SECRET
        )
        async with UpstreamClient(config, system="echo", clock=clock) as client:
            answer = await client.call(
                "POST", "/v1/echo", operation="echo", json={"hello": "宿迁"}, response_type=Echo
            )
    assert answer == Echo(hello="宿迁")
    assert sandbox.twins["echo"].state["calls"] == 1


async def test_signed_call_reaches_twin_in_process() -> None:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"echo": _echo_factory})
    config = UpstreamConfig(
        base_url="http://sandbox/echo", app_key=SANDBOX_APP_KEY, app_secret=SANDBOX_APP_SECRET
    )
    transport = httpx.ASGITransport(app=sandbox)
    async with UpstreamClient(config, system="echo", clock=clock, transport=transport) as client:
        answer = await client.call(
            "POST", "/v1/echo", operation="echo", json={"hello": "x"}, response_type=Echo
        )
    assert answer.hello == "x"

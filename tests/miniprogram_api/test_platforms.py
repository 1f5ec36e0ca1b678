"""The platform facade proves identities only through the server-side exchange and maps every
platform refusal to an answer the mini program can act on."""

from __future__ import annotations

import pytest

from backend.account_link.platforms import Platforms
from backend.errors import Forbidden, Invalid, Unauthenticated
from integrations.alipay import sandbox_open_id
from integrations.wechat import sandbox_openid, sandbox_phone, sandbox_unionid
from tests.miniprogram_api.sandbox_users import (
    alipay_code,
    fresh_n,
    wechat_code,
    wechat_phone_code,
)
from tests.services import Services


async def test_wechat_login_code_proves_the_openid_and_unionid(services: Services) -> None:
    n = fresh_n()
    identity = await Platforms(services.upstreams).identify("wechat", wechat_code(n))
    assert (identity.platform, identity.subject, identity.unionid) == (
        "wechat",
        sandbox_openid(n),
        sandbox_unionid(n),
    )
    assert services.upstreams.wechat is not None
    assert identity.app_id == services.upstreams.wechat.appid


async def test_a_reused_wechat_code_is_refused_as_unauthenticated(services: Services) -> None:
    platforms, code = Platforms(services.upstreams), wechat_code(fresh_n())
    await platforms.identify("wechat", code)
    with pytest.raises(Unauthenticated) as refused:
        await platforms.identify("wechat", code)
    assert refused.value.code == "mp.login_code_invalid"


async def test_a_wechat_high_risk_user_is_forbidden(services: Services) -> None:
    with pytest.raises(Forbidden) as refused:
        await Platforms(services.upstreams).identify("wechat", "test-code-blocked")
    assert refused.value.code == "mp.platform_user_blocked"


async def test_alipay_auth_code_proves_the_open_id(services: Services) -> None:
    n = fresh_n()
    identity = await Platforms(services.upstreams).identify("alipay", alipay_code(n))
    assert (identity.platform, identity.subject) == ("alipay", sandbox_open_id(n))


async def test_an_unknown_alipay_code_is_refused_as_unauthenticated(services: Services) -> None:
    with pytest.raises(Unauthenticated):
        await Platforms(services.upstreams).identify("alipay", "not-a-code")


async def test_wechat_phone_code_yields_the_pure_mainland_number(services: Services) -> None:
    n = fresh_n()
    phone = await Platforms(services.upstreams).wechat_phone_number(wechat_phone_code(n))
    assert phone == sandbox_phone(n)


async def test_a_bad_wechat_phone_code_is_an_invalid_proof(services: Services) -> None:
    with pytest.raises(Invalid) as refused:
        await Platforms(services.upstreams).wechat_phone_number("phone-code-x")
    assert refused.value.code == "mp.phone_proof_invalid"

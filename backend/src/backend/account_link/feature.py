"""The account-link feature: WeChat and Alipay identities linked to citizens (the mini programs'
login); its routes live in the mini-program edge (``miniprogram_api``)."""

from __future__ import annotations

from backend.account_link.platforms import Platforms
from backend.account_link.privacy import PERSONAL_DATA
from backend.account_link.repository import LinkRepository
from backend.account_link.service import AccountLinkService
from backend.account_link.tickets import BindTickets
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.wiring import Wiring


def _account_links(w: Wiring) -> AccountLinkService:
    infra = w.infra
    return AccountLinkService(
        links=LinkRepository(infra.engine),
        tickets=BindTickets(infra.store),
        platforms=Platforms(infra.upstreams),
        citizens=w.get(CitizenService),
        sms_codes=w.get(SmsCodes),
        tokens=w.get(TokenService),
        limiter=infra.limiter,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


FEATURE = Feature(
    name="account_link",
    piccolo_app="backend.account_link.piccolo_app",
    services={AccountLinkService: _account_links},
    personal_data=PERSONAL_DATA,
)

"""System name → twin factory. Adding a twin is one line here (see the README)."""

from __future__ import annotations

from integrations._twin import TwinFactory
from integrations.alipay import create_alipay_twin
from integrations.cases import twin as cases
from integrations.credit import twin as credit
from integrations.elicence import twin as elicence
from integrations.faceverify import twin as faceverify
from integrations.hotelpms import twin as hotelpms
from integrations.hotline12345 import twin as hotline12345
from integrations.legalperson import twin as legalperson
from integrations.parking import twin as parking
from integrations.payments.alipay_trade import create_alipay_pay_twin
from integrations.payments.wechatpay import create_wechatpay_twin
from integrations.population import twin as population
from integrations.sms import twin as sms
from integrations.telecom import twin as telecom
from integrations.utility import twin as utility
from integrations.wechat import create_wechat_twin

TWINS: dict[str, TwinFactory] = {
    "population": population.create_twin,
    "sms": sms.create_twin,
    "elicence": elicence.create_twin,
    "credit": credit.create_twin,
    "cases": cases.create_twin,
    "telecom": telecom.create_twin,
    "faceverify": faceverify.create_twin,
    "wechat": create_wechat_twin,
    "alipay": create_alipay_twin,
    "wechatpay": create_wechatpay_twin,
    "alipay_pay": create_alipay_pay_twin,
    "utility": utility.create_twin,
    "hotelpms": hotelpms.create_twin,
    "parking": parking.create_twin,
    "legalperson": legalperson.create_twin,
    "hotline12345": hotline12345.create_twin,
}

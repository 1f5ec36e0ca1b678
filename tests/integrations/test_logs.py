"""Captured logs of a busy session hold no secret and no full ID number or phone."""

from __future__ import annotations

import logging
import re

import pytest

from integrations import UpstreamRejected, UpstreamUnavailable, is_valid_id_number
from integrations._seed import NAMED_RESIDENTS
from integrations.cases import Applicant, ApplicationSubmission, CaseClient
from integrations.credit import CreditClient
from integrations.elicence import ElicenceClient
from integrations.population import PopulationClient
from integrations.sandbox import SANDBOX_APP_SECRET, SANDBOX_CALLBACK_SECRET
from integrations.sms import SmsClient

from .conftest import GovRig, GovRigFactory

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ZHANG, WANG, LI, LIU, *_ = NAMED_RESIDENTS


async def busy_session(rig: GovRig) -> None:
    # Built by hand, not through the rig, so audit events go to the default logging hook.
    population = PopulationClient(rig.config("population"), clock=rig.clock)
    sms = SmsClient(rig.config("sms"), clock=rig.clock)
    elicence = ElicenceClient(rig.config("elicence"), clock=rig.clock)
    credit = CreditClient(rig.config("credit"), clock=rig.clock)
    cases = CaseClient(rig.config("cases"), clock=rig.clock)
    wrong_key = PopulationClient(rig.config("population", app_secret="nope"), clock=rig.clock)
    try:
        await population.verify(name=ZHANG.name, id_number=ZHANG.id_number)
        await population.get_person(WANG.id_number)
        await sms.send(LI.phone, "SQ_VERIFY_CODE", {"code": "135790"})
        for item in await elicence.list_licences(ZHANG.id_number):
            await elicence.get_licence(item.identifier)
        await credit.query_person(LIU.id_number)
        await credit.file_objection(
            "CR0003",
            applicant_id_number=LIU.id_number,
            reason="已履行",
            contact_phone=LIU.phone,
            idempotency_key="log-1",
        )
        applicant = Applicant(name=ZHANG.name, id_number=ZHANG.id_number, phone=ZHANG.phone)
        await cases.submit_application(
            ApplicationSubmission(item_code="SQ-GA-0001", applicant=applicant),
            idempotency_key="log-2",
        )
        with pytest.raises(UpstreamRejected):
            await wrong_key.verify(name=ZHANG.name, id_number=ZHANG.id_number)
        rig.set_faults("population", down=True)
        with pytest.raises(UpstreamUnavailable):
            await population.verify(name=ZHANG.name, id_number=ZHANG.id_number)
    finally:
        for adapter in (population, sms, elicence, credit, cases, wrong_key):
            await adapter.aclose()


async def test_logs_hold_no_secret_and_no_full_identity_number(
    gov_rig: GovRigFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with gov_rig() as rig:
        await busy_session(rig)
    # What a handler would write: formatted messages plus any traceback text.
    text = caplog.text
    assert "integrations.audit" in {r.name for r in caplog.records}  # logging did happen
    assert "3213**********1234" in text  # masked values are what we log
    # Organisation codes in licence identifiers are 18 digits too; only valid ID numbers
    # (and the residents' own) count as leaks.
    assert [m for m in FULL_ID.findall(text) if is_valid_id_number(m)] == []
    assert not any(p.id_number in text for p in NAMED_RESIDENTS)
    assert FULL_PHONE.findall(text) == []
    for secret in (SANDBOX_APP_SECRET, SANDBOX_CALLBACK_SECRET, "nope"):
        assert secret not in text

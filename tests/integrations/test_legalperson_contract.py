"""The legal-person registry adapter against its twin over loopback HTTP: an organisation's public
registration by credit code, the representative check answered yes or no, bad codes refused before any
call; and the e-licence library's search by an organisation's credit code."""

from __future__ import annotations

import pytest

from integrations import InvalidCreditCode, InvalidIdNumber, UpstreamRejected
from integrations.creditcode import make_credit_code
from integrations.elicence import ElicenceClient
from integrations.legalperson import SANDBOX_ORGANISATIONS, LegalPersonClient

from .conftest import GovRigFactory

COMPANY = SANDBOX_ORGANISATIONS[0]
SHOP = SANDBOX_ORGANISATIONS[2]
UNREGISTERED = make_credit_code("91", "321302", "MA9XX998")


async def test_an_organisation_reads_as_registered(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        registry = rig.adapter(LegalPersonClient)
        company = await registry.find_organisation(COMPANY.organisation.credit_code.lower())
        shop = await registry.find_organisation(SHOP.organisation.credit_code)
    assert company == COMPANY.organisation
    assert (company.kind, company.status, company.legal_representative) == ("enterprise", "active", "张伟")
    assert (shop.kind, shop.legal_representative) == ("individual_business", "王芳")
    assert "representative_id_number" not in str(company)


async def test_the_representative_check_is_yes_only_for_name_and_number_together(
    gov_rig: GovRigFactory,
) -> None:
    code = COMPANY.organisation.credit_code
    number = COMPANY.representative_id_number
    other = SANDBOX_ORGANISATIONS[1].representative_id_number
    async with gov_rig() as rig:
        registry = rig.adapter(LegalPersonClient)
        answers = [
            await registry.is_representative(code, name="张伟", id_number=number),
            await registry.is_representative(code, name="张伟", id_number=number.lower()),
            await registry.is_representative(code, name="张伟", id_number=other),
            await registry.is_representative(code, name="刘洋", id_number=number),
        ]
    assert answers == [True, True, False, False]
    assert [match for _, match in rig.twin_state("legalperson").checks] == answers


async def test_bad_codes_are_refused_before_a_call_and_unknown_ones_by_the_registry(
    gov_rig: GovRigFactory,
) -> None:
    bad = COMPANY.organisation.credit_code[:-1] + "0"
    async with gov_rig() as rig:
        registry = rig.adapter(LegalPersonClient)
        with pytest.raises(InvalidCreditCode):
            await registry.find_organisation(bad)
        with pytest.raises(InvalidCreditCode):
            await registry.is_representative(
                "not-a-code", name="张伟", id_number=COMPANY.representative_id_number
            )
        with pytest.raises(InvalidIdNumber):
            await registry.is_representative(COMPANY.organisation.credit_code, name="张伟", id_number="12345")
        with pytest.raises(UpstreamRejected) as unknown:
            await registry.find_organisation(UNREGISTERED)
        with pytest.raises(UpstreamRejected) as unknown_check:
            await registry.is_representative(
                UNREGISTERED, name="张伟", id_number=COMPANY.representative_id_number
            )
    assert unknown.value.code == unknown_check.value.code == "organisation_not_found"
    assert rig.twin_state("legalperson").checks == []


async def test_the_licence_library_lists_an_organisations_business_licence_by_its_code(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        library = rig.adapter(ElicenceClient)
        company = await library.list_organisation_licences(COMPANY.organisation.credit_code)
        shop = await library.list_organisation_licences(SHOP.organisation.credit_code)
        licence = await library.get_licence(company[0].identifier)
        with pytest.raises(InvalidCreditCode):
            await library.list_organisation_licences("91321302MA1XQ7L2X0")
    assert [s.kind_code for s in company] == ["YYZZ"]
    assert [s.kind_code for s in shop] == ["GTGSHYYZZ"]
    assert licence.holder_id_number == COMPANY.organisation.credit_code
    assert licence.data["法定代表人"] == "张伟"
    assert company[0].identifier_issues == ()

"""Utility accounts (water, power, gas) a citizen linked, and the bills they paid (financial records)."""

from __future__ import annotations

from backend.personal_data import Category, Held, OnClosure, PersonalData
from backend.utility.tables import UtilityAccountLink, UtilityPayment

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="utility_accounts",
            description="The utility accounts you linked (account number, holder, address)",
            purpose="Showing and paying your water, power and gas bills",
            legal_basis="PIPL art. 13(2): the service you use",
            retention="Until you unlink it or close the account",
        ),
        Category(
            name="utility_payments",
            description="The bills you paid: account number, period, amount, receipt",
            purpose="Paying bills and proving they were paid",
            legal_basis="PIPL art. 13(3): Accounting Law art. 23",
            retention="30 years as accounting records, kept when the account closes",
        ),
    ),
    held=(
        Held(table=UtilityAccountLink, category="utility_accounts"),
        Held(
            table=UtilityPayment,
            category="utility_payments",
            on_closure=OnClosure.RETAIN,
            retained_because="accounting records (會計檔案管理辦法 art. 14); no name, ID or phone",
        ),
    ),
)

"""Staff accounts are the city's operators', not citizens': nothing here is a citizen's."""

from __future__ import annotations

from backend.personal_data import PersonalData
from backend.staff.tables import StaffAccount, StaffRecoveryCode, StaffTotp

PERSONAL_DATA = PersonalData(
    unrelated={
        StaffAccount: "operators' accounts",
        StaffTotp: "operators' second factors",
        StaffRecoveryCode: "operators' recovery codes",
    }
)

"""What registration keeps: the real-name identity (name, ID number, phone), sealed."""

from __future__ import annotations

from backend.citizen.records import ID_NUMBER, NAME, PHONE
from backend.citizen.tables import Citizen, ReclaimFollowUp
from backend.personal_data import Category, Held, PersonalData

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="identity",
            description="Your real name, ID-card number and mobile number, and how they were verified",
            purpose="Real-name authentication (統一身份認證): one account per person across channels",
            legal_basis="PIPL art. 13(3); Cybersecurity Law art. 24 (real-name network services)",
            retention="While the account is open; deleted when it closes",
        ),
    ),
    held=(
        Held(
            table=Citizen,
            category="identity",
            citizen=("id",),
            sealed={"name_sealed": NAME, "id_number_sealed": ID_NUMBER, "phone_sealed": PHONE},
            omit=("id_number_index", "phone_index", "password_hash"),
        ),
        Held(table=ReclaimFollowUp, category="identity", citizen=("frozen_citizen", "by_citizen")),
    ),
)

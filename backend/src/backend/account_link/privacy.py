"""What linking WeChat or Alipay keeps: the platform's user id for this app."""

from __future__ import annotations

from backend.account_link.tables import PlatformLink
from backend.personal_data import Category, Held, PersonalData

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="platform_accounts",
            description="Your WeChat and Alipay user ids for this app (openid, unionid)",
            purpose="Signing you in from the mini programs",
            legal_basis="PIPL art. 13(1): your consent when you linked the account",
            retention="Until you unlink it or close the account",
        ),
    ),
    held=(Held(table=PlatformLink, category="platform_accounts"),),
)

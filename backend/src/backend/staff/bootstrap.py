"""The first operator: created at start-up when missing, so a fresh installation can be administered."""

from __future__ import annotations

import logging
import sys

from backend.errors import Invalid
from backend.staff.service import ADMIN_USERNAME, StaffService
from backend.staff.settings import StaffSettings
from backend.wiring import Wiring

log = logging.getLogger("backend.staff")


class BootstrapPasswordRefused(Exception):
    """``SUQIAN_BOOTSTRAP_ADMIN_PASSWORD`` fails the staff password policy: the server does not start."""


async def bootstrap_admin(w: Wiring) -> None:
    """Create the operator ``admin`` (password ``SUQIAN_BOOTSTRAP_ADMIN_PASSWORD``) when missing.

    Without a configured password one is generated and printed to stdout this once — it is never
    stored, logged or shown again (only its Argon2id hash is kept). Of several workers starting
    together, exactly one creates the account and prints. A configured password the staff password
    policy refuses stops the start-up, naming the rule. As an operator, ``admin`` enrols a second
    factor at its first login (``StaffSettings.second_factor_roles``).
    """
    try:
        generated = await w.get(StaffService).bootstrap_admin(w.settings.secrets.bootstrap_admin_password)
    except Invalid as refused:
        raise BootstrapPasswordRefused(f"SUQIAN_BOOTSTRAP_ADMIN_PASSWORD: {refused.detail}") from None
    if generated is not None:
        sys.stdout.write(
            f"Created the operator '{ADMIN_USERNAME}' with the generated password: {generated}\n"
            "It is shown only this once. Log in at POST /api/v1/staff/token.\n"
        )
        sys.stdout.flush()
    if w.settings.mode == "production":
        for role in ("operator", "reviewer"):
            if role not in w.section(StaffSettings).second_factor_roles:
                log.warning(
                    "%ss may sign in without a second factor (SUQIAN_STAFF_SECOND_FACTOR_ROLES)", role
                )

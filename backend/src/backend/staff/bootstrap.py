"""The first operator: created at start-up when missing, so a fresh installation can be administered."""

from __future__ import annotations

import sys

from backend.staff.service import ADMIN_USERNAME, StaffService
from backend.wiring import Wiring


async def bootstrap_admin(w: Wiring) -> None:
    """Create the operator ``admin`` (password ``SUQIAN_BOOTSTRAP_ADMIN_PASSWORD``) when missing.

    Without a configured password one is generated and printed to stdout this once — it is never
    stored, logged or shown again (only its Argon2id hash is kept). Of several workers starting
    together, exactly one creates the account and prints.
    """
    generated = await w.get(StaffService).bootstrap_admin(w.settings.secrets.bootstrap_admin_password)
    if generated is not None:
        sys.stdout.write(
            f"Created the operator '{ADMIN_USERNAME}' with the generated password: {generated}\n"
            "It is shown only this once. Log in at POST /api/v1/staff/token.\n"
        )
        sys.stdout.flush()

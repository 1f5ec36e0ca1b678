"""The first operator: created at start-up when missing, so a fresh installation can be administered."""

from __future__ import annotations

import sys
from typing import Any

from litestar import Litestar

from backend.staff.service import ADMIN_USERNAME, StaffService


def admin_bootstrap_hook(staff: StaffService, configured_password: str | None) -> Any:
    """A start-up hook creating the operator ``admin`` (password ``SUQIAN_BOOTSTRAP_ADMIN_PASSWORD``).

    Without a configured password one is generated and printed to stdout this once — it is never
    stored, logged or shown again (only its Argon2id hash is kept). Of several workers starting
    together, exactly one creates the account and prints.
    """

    async def bootstrap(_app: Litestar) -> None:
        generated = await staff.bootstrap_admin(configured_password)
        if generated is not None:
            sys.stdout.write(
                f"Created the operator '{ADMIN_USERNAME}' with the generated password: {generated}\n"
                "It is shown only this once. Log in at POST /api/v1/staff/token.\n"
            )
            sys.stdout.flush()

    return bootstrap

"""The staff feature's errors. A wrong password or a throttled login is ``backend.auth.errors``'s
``InvalidCredentials`` / ``LoginThrottled``, the same answers citizen logins give.

Conflict (409)          UsernameTaken        staff.username_taken
Invalid (422)           PasswordTooShort     staff.password_too_short
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid


class UsernameTaken(Conflict):
    code = "staff.username_taken"
    detail = "A staff account with this username exists"


class PasswordTooShort(Invalid):
    """A new staff password under ``backend.staff.service.MIN_PASSWORD_LENGTH`` (12) characters."""

    code = "staff.password_too_short"
    detail = "The staff password is too short"

    def __init__(self, *, min_length: int) -> None:
        super().__init__(detail=f"Staff passwords have at least {min_length} characters")
        self.min_length = min_length

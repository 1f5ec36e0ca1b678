"""The staff password policy: long enough, not the username, not a common password.

NIST SP 800-63B 5.1.1.2 and ASVS 5.0 6.2: a minimum length (``StaffSettings.password_min_length``), no
composition rules, no truncation (128 characters at most: Argon2's input is bounded at the edge), and
a check against passwords known to be common. The list, ``common_passwords.txt``, ships in the package
(nothing is fetched at run time): the ~10,000 distinct cores of the 20,000 most common passwords in
Django's ``common-passwords.txt`` (itself from Royce Williams' list; BSD-3-Clause), lower-cased, with
leading and trailing digits and symbols stripped, plus those of 12 characters or more whole. A password
is refused when it, or its core, is on the list or is the username or the service's name, or is one
short run repeated (``abcabcabcabc``) or a run of a keyboard row or of the alphabet or digits.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from backend.staff.errors import PasswordContainsUsername, PasswordTooCommon, PasswordTooShort

_LIST = Path(__file__).with_name("common_passwords.txt")
# Words a guesser tries first against this service, whatever the lists say.
_CONTEXT = ("suqian", "mysuqian", "wodesuqian")
_EDGES = re.compile(r"^[^a-z]+|[^a-z]+$")
_RUNS = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz" * 2,
    "qwertyuiopasdfghjklzxcvbnm" * 2,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2,
)


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line for line in _LIST.read_text().splitlines() if line)


def _repeated(text: str, common: frozenset[str]) -> bool:
    """``text`` is a short unit, or a common password, said again and again (``passwordpassword``)."""
    return any(
        text == text[:n] * (len(text) // n) and (n <= 4 or text[:n] in common)
        for n in range(1, len(text) // 2 + 1)
        if len(text) % n == 0
    )


def _run(text: str) -> bool:
    return len(text) >= 4 and any(text in run or text[::-1] in run for run in _RUNS)


def check_password(password: str, *, username: str, min_length: int) -> None:
    """Raise the policy's leaf for a password a staff member may not use; return when it may be."""
    if len(password) < min_length:
        raise PasswordTooShort(min_length=min_length)
    lowered = password.lower()
    if len(username) >= 3 and username.lower() in lowered:
        raise PasswordContainsUsername()
    common = common_passwords()
    for candidate in {lowered, _EDGES.sub("", lowered)} - {""}:
        if candidate in common or _repeated(candidate, common) or _run(candidate):
            raise PasswordTooCommon()
    if any(word in lowered for word in _CONTEXT):
        raise PasswordTooCommon()

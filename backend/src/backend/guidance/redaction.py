"""Masking a question before it is kept: residents type their ID number, phone or name into a search
box ("我叫王小明身份证321302…丢了"), and the misses table is read by staff. ID numbers and mobile
numbers as everywhere (``integrations.masking``); any other run of 7+ digits (a bank card, a landline,
an account number) starred whole; a name after the words that introduce one (我叫, 姓名, 本人) kept to
its first character. A surname with a title (王先生) is left: it is what a masked name shows anyway."""

from __future__ import annotations

import re

from integrations.masking import mask_name, redact

_DIGITS = re.compile(r"[0-9]{7,}")
_HAN_NAME = "[\u4e00-\u9fff·]{1,4}"
# The name is the shortest run after an introducer that stops at a particle or punctuation.
_INTRODUCED = re.compile(
    rf"(我叫|我是|本人|姓名[:：是为]?|名字[:：是叫]?|叫做|户主|孩子叫|老人叫)\s*({_HAN_NAME}?)(?=[，,。.；;、\s的身手电号要想在是]|$)"
)


def mask_question(text: str) -> str:
    text = redact(text)
    text = _DIGITS.sub(lambda m: "*" * len(m.group(0)), text)
    return _INTRODUCED.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)

"""Seeded sandbox data: Suqian residents and enterprises shared by all twins.

The named residents (``NAMED_RESIDENTS``) are fixed whatever the seed: they are the test
identities listed in the README. ``generate_residents(seed)`` adds more, deterministically.
ID numbers are built, not typed, so their GB 11643 check digits are always right.

``MobileDirectory`` is the sandbox world's one record of which mobile number is real-name
registered to whom at the operators: the telecom twin answers from it, and a resident added
to the population twin with a phone is registered there too, so the twins agree.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from integrations.idnumber import id_check_digit

# GB/T 2260 codes of Suqian's districts and counties (宿迁市, 3213xx).
SUQIAN_AREAS: dict[str, str] = {
    "321302": "宿城区",
    "321311": "宿豫区",
    "321322": "沭阳县",
    "321323": "泗阳县",
    "321324": "泗洪县",
}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
_GIVEN += ["娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "浩然", "雨萱"]
_STREETS = ["幸福中路", "洪泽湖路", "发展大道", "西湖路", "黄河南路", "青海湖路", "人民大道"]


@dataclass(frozen=True, slots=True)
class Resident:
    name: str
    id_number: str
    phone: str
    sex: str
    birth_date: dt.date
    area_code: str
    address: str
    ethnicity: str = "汉族"
    deceased: bool = False


def make_id_number(area_code: str, birth: dt.date, sequence: int) -> str:
    """A valid 18-digit ID number; ``sequence`` 0..999 (odd = male)."""
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_digit(body)


def _resident(
    name: str, area: str, birth: str, seq: int, phone: str, street: str, *, deceased: bool = False
) -> Resident:
    born = dt.date.fromisoformat(birth)
    return Resident(
        name=name,
        id_number=make_id_number(area, born, seq),
        phone=phone,
        sex="male" if seq % 2 else "female",
        birth_date=born,
        area_code=area,
        address=f"江苏省宿迁市{SUQIAN_AREAS[area]}{street}",
        deceased=deceased,
    )


# The README's test identities. Keep the table there in step with this list.
NAMED_RESIDENTS: tuple[Resident, ...] = (
    _resident("张伟", "321302", "1990-01-01", 123, "13805270001", "幸福中路18号"),
    _resident("王芳", "321311", "1985-06-15", 246, "13805270002", "洪泽湖路66号"),
    _resident("李娜", "321322", "1995-03-08", 88, "13805270003", "沭城街道人民路9号"),
    _resident("刘洋", "321323", "1978-11-20", 311, "13805270004", "众兴镇北京路21号"),
    _resident("陈静", "321324", "2001-09-30", 402, "13805270005", "青阳街道长江路3号"),
    _resident("赵强", "321302", "1942-02-14", 15, "13805270006", "西湖路2号", deceased=True),
    _resident("周子涵", "321311", "2012-05-05", 64, "13805270007", "下相街道5号"),
    _resident("吴明", "321302", "1988-08-08", 17, "13805270008", "发展大道100号"),
)

# Children on two named residents' household registers (户口簿), for the school-enrolment walkthrough
# (a 6-year-old for primary school, a 12-year-old for junior middle school). Registry records only: no
# phone, so no other twin lists them.
NAMED_CHILDREN: tuple[Resident, ...] = (
    _resident("张小雨", "321302", "2020-03-12", 126, "", "幸福中路18号"),
    _resident("王子轩", "321311", "2014-07-01", 247, "", "洪泽湖路66号"),
)

# Household registers of the named residents: number → [(ID number, relation to the head)].
NAMED_HOUSEHOLDS: dict[str, list[tuple[str, str]]] = {
    "321302000118": [(NAMED_RESIDENTS[0].id_number, "户主"), (NAMED_CHILDREN[0].id_number, "女")],
    "321311000266": [(NAMED_RESIDENTS[1].id_number, "户主"), (NAMED_CHILDREN[1].id_number, "子")],
}

# A valid ID number that no twin knows: the "not found" case.
UNKNOWN_ID_NUMBER = make_id_number("321322", dt.date(1999, 12, 31), 999)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A mobile number and the identity it is real-name registered to (实名登记)."""

    phone: str
    name: str
    id_number: str


class MobileDirectory:
    """Phone → subscriber, shared by the twins of one sandbox (see the module docstring)."""

    def __init__(self) -> None:
        self.subscribers: dict[str, Subscriber] = {}

    def register(self, subscriber: Subscriber, *, replace: bool = False) -> bool:
        """Record ``subscriber``; a number held by someone else moves only with ``replace``.
        True when the record now says what was asked."""
        held = self.subscribers.get(subscriber.phone)
        if held is not None and held != subscriber and not replace:
            return False
        self.subscribers[subscriber.phone] = subscriber
        return True

    def find(self, phone: str) -> Subscriber | None:
        return self.subscribers.get(phone)

    def cancel(self, phone: str) -> bool:
        """The number is no longer registered to anyone; False when it was not."""
        return self.subscribers.pop(phone, None) is not None


def generate_residents(seed: int, count: int = 40) -> list[Resident]:
    """``count`` more residents, the same for the same seed."""
    rng = random.Random(f"{seed}:residents")  # noqa: S311 - sandbox data, not secrets
    people: list[Resident] = []
    for i in range(count):
        area = rng.choice(sorted(SUQIAN_AREAS))
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        # Sequence 500+ keeps generated IDs apart from the named ones.
        seq = 500 + rng.randrange(0, 500)
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        people.append(
            Resident(
                name=name,
                id_number=make_id_number(area, born, seq),
                phone=f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
                sex="male" if seq % 2 else "female",
                birth_date=born,
                area_code=area,
                address=f"江苏省宿迁市{SUQIAN_AREAS[area]}{rng.choice(_STREETS)}{i + 1}号",
                deceased=rng.random() < 0.03,
            )
        )
    return people


def all_residents(seed: int) -> list[Resident]:
    """Named residents first, then the generated ones."""
    return [*NAMED_RESIDENTS, *generate_residents(seed)]

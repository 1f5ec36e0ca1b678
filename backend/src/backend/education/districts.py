"""School districts (学区划分): which school serves an address.

A district is a list of lines per school (``Catchment``): a residential community (小区), matched by
its name anywhere in the address, or a run of house numbers on a road of one district (all of them, or
the odd or even side: Chinese roads number one side odd, the other even, and a boundary often runs
down the middle). A community line wins over a road line of the same stage: a compound is assigned
as a whole even where its gate's number falls in another school's run. The address is read as typed:
full-width digits and spaces folded (NFKC), the district named anywhere in it.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

# Suqian's districts, counties and functional areas as addresses name them.
DISTRICTS = (
    "宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县",
    "湖滨新区", "洋河新区", "经济技术开发区", "苏宿工业园区",
)  # fmt: skip
STAGES = ("primary", "junior")


@dataclass(frozen=True, slots=True, kw_only=True)
class Catchment:
    school_id: uuid.UUID
    stage: str
    district: str
    road: str = ""
    from_no: int = 0
    to_no: int = 0
    parity: str = "all"  # all | odd | even
    community: str = ""

    def describe(self) -> str:
        if self.community:
            return f"{self.district}{self.community}"
        side = {"odd": "单号", "even": "双号"}.get(self.parity, "")
        return f"{self.district}{self.road}{self.from_no}-{self.to_no}号{side}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    school_id: uuid.UUID
    stage: str
    line: Catchment
    by: str  # community | road


def normalise(address: str) -> str:
    return "".join(unicodedata.normalize("NFKC", address).split())


def district_of(address: str) -> str | None:
    return next((d for d in DISTRICTS if d in address), None)


def _number_on(address: str, road: str) -> int | None:
    found = re.search(re.escape(road) + r"(\d{1,5})号", address)
    return int(found.group(1)) if found else None


def _covers(line: Catchment, number: int) -> bool:
    if not line.from_no <= number <= line.to_no:
        return False
    return line.parity == "all" or (number % 2 == 1) == (line.parity == "odd")


class DistrictMap:
    """The lines of every school's district, indexed by district; ``lookup`` is pure and in memory."""

    def __init__(self, lines: list[Catchment]) -> None:
        self._by_district: dict[str, list[Catchment]] = {}
        for line in lines:
            self._by_district.setdefault(line.district, []).append(line)

    def lookup(self, address: str, *, stage: str | None = None) -> tuple[str | None, list[Match]]:
        """The district the address names and, per stage, the school serving it (none where no line
        covers it: the bureau places such a child itself, 统筹安排)."""
        text = normalise(address)
        district = district_of(text)
        lines = self._by_district.get(district, []) if district else []
        if district is None:
            # No district named: a community's name may still be unique enough to place it.
            lines = [line for group in self._by_district.values() for line in group if line.community]
        chosen: dict[str, Match] = {}
        for line in lines:
            if stage is not None and line.stage != stage:
                continue
            if line.community:
                if line.community in text:
                    chosen[line.stage] = Match(
                        school_id=line.school_id, stage=line.stage, line=line, by="community"
                    )
                continue
            if line.stage in chosen:
                continue  # a community line, or an earlier road line, placed it already
            number = _number_on(text, line.road)
            if number is not None and _covers(line, number):
                chosen[line.stage] = Match(school_id=line.school_id, stage=line.stage, line=line, by="road")
        return district, [chosen[s] for s in STAGES if s in chosen]

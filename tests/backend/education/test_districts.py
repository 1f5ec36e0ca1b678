"""The school-district lookup as a pure function: roads by house-number runs (and sides), a community
winning over its road, the district read from anywhere in the address, full-width digits folded."""

from __future__ import annotations

import uuid

from backend.education.districts import Catchment, DistrictMap

A, B, C, J = (uuid.uuid4() for _ in range(4))
MAP = DistrictMap(
    [
        Catchment(school_id=A, stage="primary", district="宿城区", road="幸福中路", from_no=1, to_no=199),
        Catchment(school_id=B, stage="primary", district="宿城区", road="幸福中路", from_no=200, to_no=499),
        Catchment(
            school_id=B,
            stage="primary",
            district="宿城区",
            road="黄河南路",
            from_no=1,
            to_no=199,
            parity="odd",
        ),
        Catchment(school_id=C, stage="primary", district="宿城区", community="实验花园"),
        Catchment(school_id=J, stage="junior", district="宿城区", road="幸福中路", from_no=1, to_no=499),
        Catchment(school_id=A, stage="primary", district="宿豫区", road="洪泽湖路", from_no=1, to_no=99),
    ]
)


def _schools(address: str, stage: str | None = None) -> tuple[str | None, dict[str, uuid.UUID]]:
    district, matches = MAP.lookup(address, stage=stage)
    return district, {m.stage: m.school_id for m in matches}


def test_a_road_address_finds_the_school_whose_run_covers_its_number_for_each_stage() -> None:
    assert _schools("江苏省宿迁市宿城区幸福中路18号") == ("宿城区", {"primary": A, "junior": J})
    assert _schools("宿迁市宿城区幸福中路300号2栋") == ("宿城区", {"primary": B, "junior": J})
    assert _schools("宿城区幸福中路18号", stage="junior") == ("宿城区", {"junior": J})


def test_a_side_of_the_road_counts_odd_numbers_on_one_school_and_even_ones_not() -> None:
    assert _schools("宿城区黄河南路7号")[1] == {"primary": B}
    assert _schools("宿城区黄河南路8号")[1] == {}


def test_a_community_wins_over_its_road_and_needs_no_district() -> None:
    assert _schools("宿城区幸福中路18号实验花园3幢")[1]["primary"] == C
    assert _schools("实验花园5幢") == (None, {"primary": C})


def test_the_same_road_in_another_district_is_another_district_and_full_width_digits_are_read() -> None:
    assert _schools("宿豫区幸福中路18号")[1] == {}
    assert _schools("宿豫区 洪泽湖路６６号") == ("宿豫区", {"primary": A})


def test_an_address_outside_every_line_names_its_district_and_no_school() -> None:
    assert _schools("宿城区幸福中路999号") == ("宿城区", {})
    assert _schools("北京市朝阳区建国路1号") == (None, {})

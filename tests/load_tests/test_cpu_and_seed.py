"""CPU attribution and the seeder's pure helpers."""

from __future__ import annotations

import ipaddress
import itertools
import os
import re

import pytest

from integrations import parse_id_number
from load_tests.cpu import _BACKEND_TITLE, ProcessSample, split_cpu
from load_tests.identities import SeedError, identities, source_addresses
from load_tests.seed import _digit_runs, openapi_routes, sms_code


def test_split_cpu_attributes_servers_support_and_others() -> None:
    before = {
        10: ProcessSample(100, 10, "python"),  # server leader
        11: ProcessSample(1_000, 10, "python"),  # a worker in its group
        20: ProcessSample(50, 20, "postgres"),
        30: ProcessSample(0, 30, "pytest"),  # a colleague's test run
        40: ProcessSample(5, 40, "python"),  # this process
    }
    after = {
        10: ProcessSample(100, 10, "python"),
        11: ProcessSample(1_600, 10, "python"),
        12: ProcessSample(300, 10, "python"),  # started inside the window: counts from zero
        20: ProcessSample(150, 20, "postgres"),
        30: ProcessSample(200, 30, "pytest"),
        40: ProcessSample(500, 40, "python"),
    }
    use = split_cpu(before, after, server_groups=[10], own_pid=40, load_ticks=400, seconds=10.0)
    ticks = 10.0 * os.sysconf("SC_CLK_TCK")
    assert use.server == pytest.approx(900 / ticks)
    assert use.support == pytest.approx(100 / ticks)
    assert use.other == pytest.approx(200 / ticks)
    assert use.load == pytest.approx((400 + 495) / ticks)  # wrk (rusage) + this process


def test_openapi_routes_lists_methods_per_path() -> None:
    document = {
        "paths": {
            "/health/live": {"get": {}},
            "/api/v1/auth/token": {"post": {}, "parameters": []},
        }
    }
    assert openapi_routes(document) == {("GET", "/health/live"), ("POST", "/api/v1/auth/token")}


def test_digit_runs_finds_the_sms_code() -> None:
    assert _digit_runs("【我的宿迁】验证码 482913，5分钟内有效。") == ["482913", "5"]


def test_identities_have_valid_id_numbers_and_distinct_phones() -> None:
    people = list(itertools.islice(identities(), 50))
    for person in people:
        assert parse_id_number(person.id_number).value == person.id_number
        assert re.fullmatch(r"1[3-9]\d{9}", person.phone)
    assert len({p.id_number for p in people}) == len({p.phone for p in people}) == 50


def test_source_addresses_are_distinct_loopback_addresses() -> None:
    addresses = list(itertools.islice(source_addresses(first=249), 3))
    assert addresses == ["127.0.1.250", "127.0.2.1", "127.0.2.2"]
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses)


def test_sms_code_reads_the_newest_message_text() -> None:
    outbox = [
        {"message_id": "SMS00000001", "text": "验证码 111111", "sent_at": "2026-11-24T05:00:00.123456Z"},
        {"message_id": "SMS00000002", "text": "【我的宿迁】验证码 482913，5分钟内有效", "sent_at": "2026"},
    ]
    assert sms_code(outbox) == "482913"


def test_sms_code_without_a_message_is_a_seed_error() -> None:
    with pytest.raises(SeedError):
        sms_code([])


def test_busy_time_no_live_process_explains_counts_as_unseen() -> None:
    before = {10: ProcessSample(0, 10, "python")}
    after = {10: ProcessSample(500, 10, "python")}
    use = split_cpu(
        before, after, server_groups=[10], own_pid=1, load_ticks=100, seconds=10.0, machine_busy=900
    )
    ticks = 10.0 * os.sysconf("SC_CLK_TCK")
    assert use.unseen == pytest.approx(300 / ticks)
    assert use.others == pytest.approx(use.other + 300 / ticks)


def test_a_postgres_backend_serving_another_database_is_an_other() -> None:
    # A colleague's test run works PostgreSQL hard: its backends are not the bench's support.
    before = {
        20: ProcessSample(0, 20, "postgres", "suqian_bench_ab12"),
        21: ProcessSample(0, 21, "postgres", "test"),
        22: ProcessSample(0, 22, "postgres"),  # the checkpointer: no database
    }
    after = {
        20: ProcessSample(100, 20, "postgres", "suqian_bench_ab12"),
        21: ProcessSample(300, 21, "postgres", "test"),
        22: ProcessSample(50, 22, "postgres"),
    }
    ticks = 10.0 * os.sysconf("SC_CLK_TCK")
    use = split_cpu(
        before, after, server_groups=[10], own_pid=1, load_ticks=0, seconds=10.0, database="suqian_bench_ab12"
    )
    assert use.support == pytest.approx(150 / ticks)
    assert use.other == pytest.approx(300 / ticks)
    unknown = split_cpu(before, after, server_groups=[10], own_pid=1, load_ticks=0, seconds=10.0)
    assert unknown.support == pytest.approx(450 / ticks)


def test_a_backends_database_is_read_from_its_process_title() -> None:
    assert _BACKEND_TITLE.search("postgres: 15/main: postgres suqian_bench_5dda 127.0.0.1(47660) idle ")
    found = _BACKEND_TITLE.search("postgres: 15/main: postgres test 127.0.0.1(47660) UPDATE ")
    assert found is not None
    assert found.group(1) == "test"
    local = _BACKEND_TITLE.search("postgres: app mydb [local] idle ")
    assert local is not None
    assert local.group(1) == "mydb"
    assert _BACKEND_TITLE.search("postgres: 15/main: checkpointer ") is None

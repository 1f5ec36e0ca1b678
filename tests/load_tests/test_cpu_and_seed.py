"""CPU attribution and the seeder's pure helpers."""

from __future__ import annotations

import os

import pytest

from load_tests.cpu import ProcessSample, split_cpu
from load_tests.seed import _digit_runs, openapi_routes


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
    assert use.load == pytest.approx(400 / ticks)


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

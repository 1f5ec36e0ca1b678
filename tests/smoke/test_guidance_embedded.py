"""Smart guidance end to end over HTTP on the embedded default (SQLite + in-process store): the seeded
catalogue, aliases and FAQ entries answer residents' questions (traditional characters, a typo, a
tourist's ticket question), a question nothing covers gets none and is kept masked, the operator turns
it into an alias, and from then on it finds its item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.server import free_port, operator_session, printed_passwords, serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("guidance")


def _ask(web: httpx.Client, q: str) -> dict[str, Any]:
    answer = web.get("/api/v1/guidance", params={"q": q})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_residents_questions_find_items_and_answers_and_a_miss_becomes_an_alias(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        found = _ask(web, "身分證丟了怎麼補辦")
        assert (found["mode"], found["results"][0]["key"]) == ("answer", "SQ-GA-0004")
        item = web.get(f"/api/v1/catalogue/items/{found['results'][0]['item_code']}")
        assert item.status_code == 200
        assert _ask(web, "公鸡金怎么取出来")["results"][0]["key"] == "SQ-GJJ-0001"
        # An item of the catalogue's 民生 additions, seeded with the rest.
        assert _ask(web, "二手房过户怎么办")["results"][0]["key"] == "SQ-ZR-0002"
        tourist = _ask(web, "三台山的票在哪买")
        assert (tourist["results"][0]["kind"], tourist["results"][0]["key"]) == ("faq", "tourism-tickets-buy")
        assert tourist["results"][0]["answer"]

        bad = web.get("/api/v1/guidance", params={"q": "\x00\x01"})
        assert (bad.status_code, bad.json()["code"]) == (400, "guidance.question_unreadable")

        asked = "我叫张三丰，电话13912345678，乐龄卡怎么办"
        assert _ask(web, asked)["mode"] == "none"
        operator = operator_session(web, *printed_passwords(data_dir))
        misses = web.get("/api/v1/admin/guidance/misses", headers=operator).json()["items"]
        kept = next(m for m in misses if "乐龄卡" in m["question"])
        assert "13912345678" not in kept["question"]
        assert "张三丰" not in kept["question"]

        added = web.post(
            "/api/v1/admin/guidance/aliases",
            json={"item_code": "SQ-MZ-0002", "phrase": "乐龄卡"},
            headers=operator,
        )
        assert added.status_code == 201, added.text
        now = _ask(web, "乐龄卡怎么办")
        assert (now["mode"], now["results"][0]["key"]) == ("answer", "SQ-MZ-0002")

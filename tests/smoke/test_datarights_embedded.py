"""Data rights end to end over HTTP on the embedded default (SQLite + in-process store + sandbox): a
citizen sees what we hold and why, asks for an export (built by the in-process outbox), downloads it
once, withdraws a consent, and closes the account; the server ends their session and deletes their
data, and the SQLite file no longer holds their name, ID number or phone in clear."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.payers import wechat_payer
from tests.smoke.server import free_port, serve

pytestmark = pytest.mark.embedded
PATH = "/api/v1/data-rights"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("datarights")


def _until(check: Any) -> Any:
    deadline = time.monotonic() + 20
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.2)
        value = check()
    return value


def _clear_in(database: Path, values: tuple[str, ...]) -> list[str]:
    """Table.column pairs whose text holds any of ``values``."""
    found = []
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                for value in values:
                    hit = db.execute(
                        # The names come from the file's own schema, not from input.
                        f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ? LIMIT 1',  # noqa: S608
                        (f"%{value}%",),
                    ).fetchone()
                    if hit:
                        found.append(f"{table}.{column}")
    return found


def test_a_citizen_sees_exports_and_closes_their_account(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        person, citizen = wechat_payer(web)
        categories = web.get(f"{PATH}/categories", headers=citizen)
        assert categories.status_code == 200, categories.text
        identity = next(c for c in categories.json()["items"] if c["name"] == "identity")
        assert identity["legal_basis"]
        assert identity["retention"]
        assert identity["on_closure"] == "deleted"

        asked = web.post(f"{PATH}/exports", headers=citizen)
        assert asked.status_code == 202, asked.text
        export_id = asked.json()["id"]
        ready = _until(
            lambda: web.get(f"{PATH}/exports/{export_id}", headers=citizen).json()["state"] == "ready"
        )
        assert ready, "the export was not built"
        download = web.get(f"{PATH}/exports/{export_id}", headers=citizen).json()["download"]
        got = web.get(download, headers=citizen)
        assert got.status_code == 200, got.text
        assert "attachment" in got.headers["content-disposition"]
        document = got.json()
        (me,) = document["tables"]["citizen"]
        assert (me["name"], me["id_number"], me["phone"]) == (
            person["name"],
            person["id_number"],
            person["phone"],
        )
        assert len(document["tables"]["platform_link"]) == 1
        again = web.get(download, headers=citizen)
        assert again.status_code == 409
        assert again.json()["code"] == "datarights.export_gone"

        consents = web.get(f"{PATH}/consents", headers=citizen).json()["items"]
        assert {c["name"] for c in consents} == {"licence.showing", "notification.subscriptions"}
        withdrawn = web.delete(f"{PATH}/consents/notification.subscriptions", headers=citizen)
        assert withdrawn.status_code == 200, withdrawn.text
        unknown = web.delete(f"{PATH}/consents/nothing.such", headers=citizen)
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "datarights.consent_unknown"

        closing = web.post(f"{PATH}/closure", headers=citizen)
        assert closing.status_code == 202, closing.text
        assert closing.json()["state"] == "closing"
        ended = _until(lambda: web.get("/api/v1/me", headers=citizen).status_code == 401)
        assert ended, "the session outlived the closure"
        # The job deleted the row in the same transaction that ended the session: the file says so.
        gone = _until(
            lambda: _clear_in(data_dir / "suqian.sqlite3", (person["id_number"], person["phone"])) == []
        )
        assert gone, _clear_in(data_dir / "suqian.sqlite3", (person["id_number"], person["phone"]))

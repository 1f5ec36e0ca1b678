"""A server restart under a watcher (the embedded default, over real HTTP): the stream breaks, calls go
on while the watcher is away, and it reconnects with ``Last-Event-ID`` as an EventSource does — the
events it gets are exactly the ones after the last it saw, in order, and no call is missing."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve
from tests.smoke.test_queues_embedded import _hall, _ok

pytestmark = pytest.mark.embedded

Seen = tuple[int, dict[str, Any]]


def _watch(base: str, hall_id: str, last: int | None, into: queue.Queue[Seen | None]) -> None:
    """Put each event (id, data) of the stream into ``into``, then None when the stream ends."""
    headers = {"last-event-id": str(last)} if last is not None else {}
    try:
        with (
            httpx.Client(base_url=base, timeout=httpx.Timeout(5, read=60)) as web,
            web.stream("GET", f"/api/v1/queue/halls/{hall_id}/events", headers=headers) as stream,
        ):
            seq = None
            for line in stream.iter_lines():
                if line.startswith("id: "):
                    seq = int(line.removeprefix("id: "))
                elif line.startswith("data: ") and seq is not None:
                    into.put((seq, json.loads(line.removeprefix("data: "))))
    except httpx.TransportError:
        pass  # the server went away under the stream
    finally:
        into.put(None)


def _follow(base: str, hall_id: str, last: int | None) -> queue.Queue[Seen | None]:
    events: queue.Queue[Seen | None] = queue.Queue()
    threading.Thread(target=_watch, args=(base, hall_id, last, events), daemon=True).start()
    return events


def _until_called(events: queue.Queue[Seen | None], label: str) -> list[Seen]:
    """Events up to the call of ``label``."""
    found: list[Seen] = []
    while True:
        item = events.get(timeout=10)
        assert item is not None, f"the stream ended before {label} was called: {found}"
        found.append(item)
        if item[1]["kind"] == "called" and item[1]["ticket"] == label:
            return found


def _kiosk(web: httpx.Client, admin: dict[str, str], venue: str) -> dict[str, str]:
    device = _ok(
        web.post("/api/v1/admin/scanners", json={"scene": "public_office", "venue": venue}, headers=admin),
        201,
    )
    token = web.post(
        "/api/v1/scanner/token",
        json={"device_id": device["device"]["id"], "credential": device["credential"]},
    )
    return bearer(_ok(token)["access_token"])


def test_after_a_restart_a_watcher_catches_up_with_last_event_id_and_misses_no_call(tmp_path: Path) -> None:
    port = free_port()
    with serve(tmp_path, port) as base, httpx.Client(base_url=base, timeout=10) as web:
        (password,) = printed_passwords(tmp_path)
        admin = operator_session(web, password)
        hall, _code, service_id, counter_id = _hall(web, admin, "restart hall")
        kiosk = _kiosk(web, admin, "restart hall")
        labels = [
            _ok(web.post("/api/v1/queue/kiosk/tickets", json={"service_id": service_id}, headers=kiosk), 201)[
                "label"
            ]
            for _ in range(8)
        ]
        events = _follow(base, hall["id"], None)
        for _ in range(3):
            _ok(web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin))
        before = _until_called(events, labels[2])
        last = before[-1][0]
    assert events.get(timeout=10) is None  # the restart broke the stream

    with serve(tmp_path, port) as base, httpx.Client(base_url=base, timeout=10) as web:
        for _ in range(3):  # while the watcher is away
            _ok(web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin))
        events = _follow(base, hall["id"], last)  # EventSource sends the last id it saw
        for _ in range(2):
            _ok(web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin))
        after = _until_called(events, labels[7])

    seqs = [seq for seq, _ in after]
    assert seqs == list(range(last + 1, last + 1 + len(seqs)))  # from the one after, none skipped
    called = [event["ticket"] for _, event in before + after if event["kind"] == "called"]
    assert called == labels

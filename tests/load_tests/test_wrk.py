"""The bench reads wrk through one JSON line and feeds it through one request file."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from load_tests.wrk import RequestSpec, WrkError, parse_report, run_wrk, write_request_file

REPORT = (
    'WRK_REPORT {"requests":30000,"duration_us":3000000,"bytes":123,'
    '"errors":{"connect":0,"read":1,"write":0,"status":4,"timeout":2},'
    '"latency_us":{"p50":1850,"p90":2500,"p99":15630,"max":40000,"mean":2100.5}}'
)


def test_parse_report_reads_rate_latency_and_errors() -> None:
    result = parse_report("Running 3s test @ http://x/\n  1 threads and 64 connections\n" + REPORT + "\n")
    assert result.rps == pytest.approx(10_000)
    assert (result.p50_ms, result.p90_ms, result.p99_ms) == (1.85, 2.5, 15.63)
    assert result.socket_errors == 3
    assert result.status_errors == 4
    assert result.errors == 7


def test_parse_report_without_the_line_is_an_error() -> None:
    with pytest.raises(WrkError, match="WRK_REPORT"):
        parse_report("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_request_file_holds_method_path_headers_then_bodies(tmp_path: Path) -> None:
    spec = RequestSpec("POST", "/v", {"Authorization": "Bearer t", "Content-Type": "x"}, ['{"a":1}', "{}"])
    text = write_request_file(spec, tmp_path / "r.req").read_text()
    assert text == 'POST\n/v\nAuthorization: Bearer t\nContent-Type: x\n\n{"a":1}\n{}\n'


def test_request_file_refuses_multi_line_bodies(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="single lines"):
        write_request_file(RequestSpec("POST", "/", {}, ['{\n"a": 1}']), tmp_path / "r.req")


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, bytes]] = []  # noqa: RUF012 - shared by the handler threads on purpose

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization", ""), body))
        status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def wrk_installed() -> None:
    assert shutil.which("wrk"), "wrk (Debian's package) is installed by scripts/test.sh and by the bench"


needs_wrk = pytest.mark.usefixtures("wrk_installed")


@needs_wrk
def test_lua_script_rotates_bodies_with_the_headers(recorder: str, tmp_path: Path) -> None:
    spec = RequestSpec("POST", "/verify", {"Authorization": "Bearer dev"}, ['{"code":"a"}', '{"code":"b"}'])
    result = run_wrk(recorder, spec, connections=1, duration_s=1, request_file=tmp_path / "r.req")
    assert result.requests > 2
    assert result.errors == 0
    methods_paths = {(m, p, a) for m, p, a, _ in _Recorder.seen}
    assert methods_paths == {("POST", "/verify", "Bearer dev")}
    assert {b for *_, b in _Recorder.seen} == {b'{"code":"a"}', b'{"code":"b"}'}


@needs_wrk
def test_lua_script_counts_error_statuses(recorder: str, tmp_path: Path) -> None:
    result = run_wrk(
        recorder, RequestSpec("GET", "/missing"), connections=1, duration_s=1, request_file=tmp_path / "r.req"
    )
    assert result.requests > 0
    assert result.status_errors == result.requests

"""``python -m citizen_code``: verify a scanned code, plus small tools for a first look.

Exit status: 0 pass (or success), 1 deny, 2 usage or input-file error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from citizen_code import bench
from citizen_code._claims import CodeClaims, Mode, Status
from citizen_code._issue import issue_code
from citizen_code._keyring import KeyRing
from citizen_code._keys import IssuerKey
from citizen_code._render import render_png, render_svg
from citizen_code._revocation import RevocationList
from citizen_code._trust import load_trust_list, read_trust_list_unverified, sign_trust_list
from citizen_code._verify import Verifier
from citizen_code.errors import CitizenCodeError

EXIT_PASS, EXIT_DENY, EXIT_USAGE = 0, 1, 2


def _code_argument(value: str) -> str:
    # "-" reads stdin; only the line break goes: a space is a Base45 digit.
    return sys.stdin.read().rstrip("\r\n") if value == "-" else value


_NO_ANCHOR = (
    "error: no --anchor-key: without it the trust list's signature can't be checked, and a list\n"
    "anyone can write makes any code they sign pass. Pass the anchor's public key (the backend\n"
    "publishes it at /.well-known/citizen-code/anchor; `python -m citizen_code fetch URL` saves it),\n"
    "or --server URL, or --insecure-no-anchor to inspect a code against an unchecked list, knowing\n"
    "its verdict proves nothing."
)
# Where the backend publishes them (backend/src/backend/code/controller.py).
TRUST_LIST_PATH = "/.well-known/citizen-code/trust-list"
ANCHOR_PATH = "/.well-known/citizen-code/anchor"


def _get(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (scheme checked above)
        body: bytes = answer.read()
        return body


def fetch_trust_material(server: str) -> tuple[bytes, bytes]:
    """The signed trust list (COSE bytes, as served) and the anchor's public key (the PEM inside the
    JSON answer of ``/anchor``) from a running backend at ``server``."""
    base = server.rstrip("/")
    trust_list = _get(base + TRUST_LIST_PATH)
    try:
        anchor_pem = json.loads(_get(base + ANCHOR_PATH))["public_key_pem"]
    except (KeyError, TypeError):
        raise ValueError(f"{base + ANCHOR_PATH} answered no public_key_pem: is it the backend?") from None
    if not isinstance(anchor_pem, str):
        raise ValueError(f"{base + ANCHOR_PATH}: public_key_pem is not text")
    return trust_list, anchor_pem.encode()


def iso(seconds: int) -> str:
    """Unix seconds as the API writes times: ISO 8601, UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _time_argument(value: str) -> int:
    # What the output prints (ISO 8601) is accepted back, and so are Unix seconds.
    if value.isdigit():
        return int(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def describe(c: CodeClaims) -> str:
    """One line naming the form of the code and its times in ISO 8601."""
    common = f"code_id={c.code_id} status={c.status} kid={c.kid.hex()}"
    if c.mode is Mode.DEVICE:
        credential = f" credential_issued_at={iso(c.credential_issued_at)}" if c.credential_issued_at else ""
        return (
            f"device frame (signed by the phone's holder key): {common} frame_signed_at={iso(c.issued_at)}"
            f"{credential} credential_expires_at={iso(c.expires_at)}"
        )
    return f"online code: {common} issued_at={iso(c.issued_at)} expires_at={iso(c.expires_at)}"


def _verify(args: argparse.Namespace) -> int:
    if not args.trust_list and not args.server:
        print("error: give --trust-list FILE, or --server URL to fetch it", file=sys.stderr)
        return EXIT_USAGE
    if not args.anchor_key and not args.insecure_no_anchor and not args.server:
        print(_NO_ANCHOR, file=sys.stderr)
        return EXIT_USAGE
    if args.server:
        data, served_anchor = fetch_trust_material(args.server)
        if args.trust_list:
            data = Path(args.trust_list).read_bytes()
    else:
        data, served_anchor = Path(args.trust_list).read_bytes(), b""
    if args.anchor_key:
        trust_list = load_trust_list(data, Path(args.anchor_key).read_bytes())
    elif args.insecure_no_anchor:
        print("warning: trust list signature NOT checked (--insecure-no-anchor)", file=sys.stderr)
        trust_list = read_trust_list_unverified(data)
    else:
        # The anchor came from the server that signs the list: as good as the connection to it.
        print(
            f"note: anchor key taken from {args.server}; a gate pins it once (`fetch`, --anchor-key)",
            file=sys.stderr,
        )
        trust_list = load_trust_list(data, served_anchor)
    revocations = (
        RevocationList.from_json(Path(args.revocations).read_bytes())
        if args.revocations
        else RevocationList()
    )
    verifier = Verifier(trust_list, revocations=revocations)
    verdict = verifier.verify(_code_argument(args.code), now=args.now)
    print(f"{verdict.decision} {verdict.reason}" + (f": {verdict.detail}" if verdict.detail else ""))
    if verdict.claims is not None:
        print(describe(verdict.claims))
    return EXIT_PASS if verdict.passed else EXIT_DENY


def _fetch(args: argparse.Namespace) -> int:
    trust_list, anchor = fetch_trust_material(args.server)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trust-list.cose").write_bytes(trust_list)
    (out / "anchor.pem").write_bytes(anchor)
    load_trust_list(trust_list, anchor)  # what was saved verifies: the list is signed by that anchor
    print(f"wrote {out / 'trust-list.cose'} and {out / 'anchor.pem'}")
    return EXIT_PASS


def _keygen(args: argparse.Namespace) -> int:
    key = IssuerKey.generate()
    Path(args.out).write_bytes(key.to_pem())
    Path(args.out).chmod(0o600)
    print(f"wrote {args.out} (kid {key.kid.hex()})")
    return EXIT_PASS


def _trust_list(args: argparse.Namespace) -> int:
    now = int(time.time())
    anchor = IssuerKey.from_pem(Path(args.anchor_key).read_bytes())
    keys = [
        KeyRing.start(IssuerKey.from_pem(Path(p).read_bytes()), now=now).trusted_keys()[0]
        for p in args.issuer_key
    ]
    data = sign_trust_list(anchor, keys, issuer=args.issuer, now=now, sequence=args.sequence)
    Path(args.out).write_bytes(data)
    Path(args.out + ".anchor.pem").write_bytes(anchor.public_pem())
    print(f"wrote {args.out} ({len(keys)} keys) and {args.out}.anchor.pem")
    return EXIT_PASS


def _issue(args: argparse.Namespace) -> int:
    key = IssuerKey.from_pem(Path(args.key).read_bytes())
    status = Status(args.status)
    now = int(time.time())
    print(issue_code(key, issuer=args.issuer, subject=args.subject, now=now, status=status))
    return EXIT_PASS


def _render(args: argparse.Namespace) -> int:
    code = _code_argument(args.code)
    if args.out.endswith(".svg"):
        Path(args.out).write_text(render_svg(code), encoding="utf-8")
    else:
        Path(args.out).write_bytes(render_png(code, scale=args.scale))
    print(f"wrote {args.out}")
    return EXIT_PASS


def _bench(args: argparse.Namespace) -> int:
    result = bench.run(codes=args.codes, rounds=args.rounds)
    print(
        f"offline verify {result.offline_verifies_per_s:,.0f}/s  "
        f"raw P-256 verify {result.raw_verifies_per_s:,.0f}/s  ratio {result.ratio:.3f}"
    )
    return EXIT_PASS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m citizen_code", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    verify = commands.add_parser("verify", help="verify a scanned SQ1: code offline")
    verify.add_argument("--trust-list", help="signed trust list (COSE) file")
    verify.add_argument(
        "--server",
        help="a running backend (http://127.0.0.1:8000): fetch the trust list, and the anchor key "
        "unless --anchor-key pins one",
    )
    anchor = verify.add_mutually_exclusive_group()
    anchor.add_argument("--anchor-key", help="trust-anchor public key PEM (checks the list; required)")
    anchor.add_argument(
        "--insecure-no-anchor",
        action="store_true",
        help="skip the trust list's signature check: the verdict then proves nothing",
    )
    verify.add_argument("--revocations", help="revocation list JSON file")
    verify.add_argument(
        "--now", type=_time_argument, help="verification time: ISO 8601 (2026-12-03T08:00:00Z) or Unix time"
    )
    verify.add_argument("code", help="the SQ1: text, or - to read it from stdin")
    verify.set_defaults(run=_verify)

    fetch = commands.add_parser(
        "fetch", help="save a running backend's trust-list.cose and anchor.pem (for verify --trust-list)"
    )
    fetch.add_argument("server", help="the backend's base URL, e.g. http://127.0.0.1:8000")
    fetch.add_argument("--out", default=".", help="folder to write the two files to (default: here)")
    fetch.set_defaults(run=_fetch)

    keygen = commands.add_parser("keygen", help="write a new P-256 private key (PEM)")
    keygen.add_argument("out")
    keygen.set_defaults(run=_keygen)

    trust = commands.add_parser("trust-list", help="sign a demo trust list")
    trust.add_argument("--anchor-key", required=True, help="anchor private key PEM")
    trust.add_argument("--issuer-key", required=True, action="append", help="issuer key PEM")
    trust.add_argument("--issuer", default="suqian")
    trust.add_argument("--sequence", type=int, default=1)
    trust.add_argument("out")
    trust.set_defaults(run=_trust_list)

    issue = commands.add_parser("issue", help="issue a demo online code")
    issue.add_argument("--key", required=True, help="issuer private key PEM")
    issue.add_argument("--issuer", default="suqian")
    issue.add_argument("--subject", required=True, help="a random code id")
    issue.add_argument("--status", default=Status.NORMAL.value, choices=[s.value for s in Status])
    issue.set_defaults(run=_issue)

    render = commands.add_parser("render", help="render a code as PNG or SVG")
    render.add_argument("code")
    render.add_argument("--out", required=True, help="file name ending in .png or .svg")
    render.add_argument("--scale", type=int, default=8)
    render.set_defaults(run=_render)

    timing = commands.add_parser("bench", help="offline verify vs raw ECDSA throughput")
    timing.add_argument("--codes", type=int, default=500)
    timing.add_argument("--rounds", type=int, default=15)
    timing.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except (OSError, CitizenCodeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return status

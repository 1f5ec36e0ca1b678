"""``python -m citizen_code``: verify a scanned code, plus small tools for a first look.

Exit status: 0 pass (or success), 1 deny, 2 usage or input-file error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from citizen_code import bench
from citizen_code._claims import Status
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
    "publishes it at /.well-known/citizen-code/anchor), or --insecure-no-anchor to inspect a code\n"
    "against an unchecked list, knowing its verdict proves nothing."
)


def _verify(args: argparse.Namespace) -> int:
    if not args.anchor_key and not args.insecure_no_anchor:
        print(_NO_ANCHOR, file=sys.stderr)
        return EXIT_USAGE
    data = Path(args.trust_list).read_bytes()
    if args.anchor_key:
        trust_list = load_trust_list(data, Path(args.anchor_key).read_bytes())
    else:
        print("warning: trust list signature NOT checked (--insecure-no-anchor)", file=sys.stderr)
        trust_list = read_trust_list_unverified(data)
    revocations = (
        RevocationList.from_json(Path(args.revocations).read_bytes())
        if args.revocations
        else RevocationList()
    )
    verifier = Verifier(trust_list, revocations=revocations)
    verdict = verifier.verify(_code_argument(args.code), now=args.now)
    print(f"{verdict.decision} {verdict.reason}" + (f": {verdict.detail}" if verdict.detail else ""))
    if verdict.claims is not None:
        c = verdict.claims
        print(
            f"mode={c.mode} code_id={c.code_id} status={c.status} issued_at={c.issued_at} "
            f"expires_at={c.expires_at} kid={c.kid.hex()}"
        )
    return EXIT_PASS if verdict.passed else EXIT_DENY


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
    verify.add_argument("--trust-list", required=True, help="signed trust list (COSE) file")
    anchor = verify.add_mutually_exclusive_group()
    anchor.add_argument("--anchor-key", help="trust-anchor public key PEM (checks the list; required)")
    anchor.add_argument(
        "--insecure-no-anchor",
        action="store_true",
        help="skip the trust list's signature check: the verdict then proves nothing",
    )
    verify.add_argument("--revocations", help="revocation list JSON file")
    verify.add_argument("--now", type=int, help="verification time, epoch seconds")
    verify.add_argument("code", help="the SQ1: text, or - to read it from stdin")
    verify.set_defaults(run=_verify)

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

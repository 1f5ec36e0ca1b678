"""No key material in the repository: generated keys belong in ``data/`` (ignored), real ones in the
environment. A ``backend/src/data/secrets.json`` (the embedded default's data and index keys) was once
committed by a command run with the default, relative ``SUQIAN_DATA_DIR``; this keeps it from recurring.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Deliberately public test keys. Each is listed by exact path, so a new key file anywhere (a fixture
# directory included) needs a decision here.
PUBLIC_TEST_KEYS = {
    # The SQ1 golden vectors (STYLE.md: exact, so their keys are fixed); the file says "test-only keys".
    "tests/citizen_code/vectors/sq1.json",
    # RSA keys generated with `openssl genpkey` for the Alipay / WeChat Pay golden vectors; they sign
    # nothing real (tests/integrations/fixtures/payments/make_vectors.py says so).
    "tests/integrations/fixtures/alipay/keys/alipay_private.pem",
    "tests/integrations/fixtures/alipay/keys/app_private.pem",
    "tests/integrations/fixtures/payments/keys/merchant_private.pem",
    "tests/integrations/fixtures/payments/keys/platform_private.pem",
}

# A private key with a body, also inside a JSON string (newlines escaped): "PRIVATE KEY", "RSA PRIVATE
# KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK"... A header with no key after it (a parser test)
# is not one.
_PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:\s|\\n)+[A-Za-z0-9+/=]{32}"
)
# The embedded default's keys, or SUQIAN_DATA_KEY / SUQIAN_INDEX_KEY, written out as 32 bytes of base64.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?i)\b(?:suqian_)?(?:data|index)_key["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{43}="""
)
_SECRET_NAMES = {"data_key", "index_key"}


def _tracked_files() -> list[str]:
    git = shutil.which("git")
    assert git, "git is needed to list the tracked files"
    listed = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


def _json_secrets(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _SECRET_NAMES and isinstance(item, str) and item:
                yield key
            yield from _json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_secrets(item)


def key_material(name: str, content: bytes) -> list[str]:
    """What in the file ``name`` (a repository path) with ``content`` looks like key material."""
    found = []
    if Path(name).name == "secrets.json":
        found.append("a secrets.json")
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return found
    if _PEM_PRIVATE_KEY.search(text):
        found.append("a PEM private key")
    if _SECRET_ASSIGNMENT.search(text):
        found.append("a data/index key written out")
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        found.extend(f"JSON {key!r} with a value" for key in sorted(set(_json_secrets(document))))
    return found


def test_no_tracked_file_holds_key_material() -> None:
    offenders = []
    for name in _tracked_files():
        path = ROOT / name
        if name in PUBLIC_TEST_KEYS or not path.is_file():
            continue
        offenders += [f"{name}: {what}" for what in key_material(name, path.read_bytes())]
    assert offenders == [], (
        "key material is tracked; `git rm --cached` it and keep keys in data/ (ignored) or the "
        "environment:\n" + "\n".join(offenders)
    )


def test_the_public_test_keys_are_still_tracked() -> None:
    # A stale entry would let a new file at that path in unnoticed.
    assert PUBLIC_TEST_KEYS - set(_tracked_files()) == set()


def test_the_key_material_check_catches_keys() -> None:
    # Built at run time, so this file holds no key material itself.
    pem = "-----BEGIN " + "EC PRIVATE KEY-----\n" + "A" * 64 + "\n"
    key = base64.b64encode(b"k" * 32).decode()
    assert key_material("backend/src/data/secrets.json", b"{}") == ["a secrets.json"]
    assert key_material("deploy/key.pem", pem.encode()) == ["a PEM private key"]
    assert key_material("vectors.json", json.dumps({"pem": pem}).encode()) == ["a PEM private key"]
    assert key_material("x.json", json.dumps({"keys": [{"index_key": "k"}]}).encode()) == [
        "JSON 'index_key' with a value"
    ]
    assert key_material("deploy/.env", f"SUQIAN_DATA_KEY={key}\n".encode()) == [
        "a data/index key written out"
    ]
    assert key_material("tests/test_keys.py", b'b"-----BEGIN PRIVATE KEY-----\\nnope\\n"') == []

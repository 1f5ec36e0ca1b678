"""One catalogue of problem codes: every leaf is a fact with one code, the README table and the
OpenAPI ``Problem`` schema are generated from it, and a stale README fails here."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import msgspec
import pytest

from backend.errors import CODE_PATTERN, Conflict, DomainError, Invalid, RateLimited, Unavailable
from backend.problem_codes import FRAMEWORK, README, catalogue, leaves, with_table
from backend.problems import Problem

ROOT_README = Path(__file__).resolve().parents[2] / "README.md"


def test_backend_readme_table_is_generated_from_the_current_catalogue() -> None:
    text = README.read_text()
    assert with_table(text) == text, "run: uv run python -m backend.problem_codes --write"


def test_every_code_is_one_fact_of_the_right_shape() -> None:
    codes = [entry.code for entry in catalogue()]
    assert len(codes) == len(set(codes))
    assert all(CODE_PATTERN.fullmatch(code) for code in codes)
    # The shared modules and every feature are found without a list of them.
    prefixes = {code.partition(".")[0] for code in codes}
    assert {"auth", "citizen", "code", "scanner", "staff", "health", "mp", "idempotency"} <= prefixes
    assert {"database", "store", "request", "internal", "upstream"} <= prefixes


def test_a_leaf_answers_its_kinds_status() -> None:
    for leaf in leaves():
        entry = next(entry for entry in catalogue() if entry.code == leaf.code)
        assert entry.status == leaf.status
        assert entry.kind != FRAMEWORK
        assert entry.description


def test_root_readme_framework_table_agrees_with_the_catalogue() -> None:
    statuses = {entry.code: entry.status for entry in catalogue()}
    rows = re.findall(
        r"^\|[^|\n]*\| (\d{3}) \| `([a-z_]+\.[a-z_]+)` \|$", ROOT_README.read_text(), re.MULTILINE
    )
    assert rows, "the root README's table of framework codes"
    assert {code: int(status) for status, code in rows}.items() <= statuses.items()


async def test_openapi_problem_schema_enumerates_every_code(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    problem = document["components"]["schemas"]["Problem"]
    assert problem["properties"]["code"]["enum"] == [entry.code for entry in catalogue()]
    assert set(problem["properties"]) == {field.name for field in msgspec.structs.fields(Problem)}


def test_a_leaf_takes_context_never_a_code() -> None:
    class Probe(Conflict):
        code = "probe.taken"
        detail = "Taken"

    assert (Probe().code, Probe().detail) == ("probe.taken", "Taken")
    with pytest.raises(TypeError, match="not an argument"):
        Probe("probe.other")


def test_a_kind_needs_a_leaf_or_a_code() -> None:
    with pytest.raises(TypeError, match="is a kind"):
        Invalid()
    assert Invalid("probe.invalid", "no").code == "probe.invalid"


@pytest.mark.parametrize("code", ["Probe.Bad", "probe", "probe.bad-code", "probe.bad.code"])
def test_a_malformed_leaf_code_fails_at_import(code: str) -> None:
    with pytest.raises(TypeError, match="feature"):
        type("Bad", (Invalid,), {"code": code, "detail": "x"})


def test_a_leaf_without_a_default_detail_fails_at_import() -> None:
    with pytest.raises(TypeError, match="no default detail"):
        type("Bad", (Invalid,), {"code": "probe.bad"})


def test_unavailable_leaves_fix_or_take_their_retry_after() -> None:
    class Fixed(Unavailable):
        code = "probe.down"
        detail = "Down"
        retry_after = 5

    class Counted(RateLimited):
        code = "probe.throttled"
        detail = "Slow down"

    assert Fixed().headers() == {"retry-after": "5"}
    assert Fixed(retry_after=9).headers() == {"retry-after": "9"}
    assert Counted(retry_after=30).headers() == {"retry-after": "30"}
    assert issubclass(Counted, DomainError)

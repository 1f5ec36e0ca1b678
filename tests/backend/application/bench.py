"""Benchmark rows for one-stop applications, against PostgreSQL on this machine (not collected by
pytest; ``uv run --no-sync python -m tests.backend.application.bench [--quick]``, which ``make bench``
and ``make bench-quick`` run after the HTTP rows):

- form validation: the seed's 居住证办理 form, valid, every error collected (reference: research §A3,
  jsonschema-rs 1.06 µs valid / 2.4 µs all errors);
- submit (validate + licence re-check-free form + application move + event + audit + outbox job, one
  transaction), 16 at a time, against its reference: an outbox enqueue alone in a transaction;
- delivery: jobs delivered by 2 outbox workers to the in-process case-system twin, against its
  reference: the same submissions sent straight to the twin, 16 at a time, no outbox.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any

from backend.application.service import DELIVER, ApplicationService, deliver_key
from backend.catalogue.forms import CompiledForm
from backend.catalogue.seed_items import SEED
from backend.catalogue.service import CatalogueService
from backend.database import migrate, transaction
from backend.outbox.service import Outbox
from backend.settings import Settings
from backend.wiring import Wiring
from integrations.cases import Applicant, ApplicationSubmission
from miniprogram_api.app import FEATURES, create_app
from tests.backend.application.conftest import eventually, workers
from tests.backend.application.factories import give_required_directly
from tests.backend.licence.factories import holder
from tests.benching import bounded, throwaway_settings
from tests.conftest import http_client
from tests.services import Services

N = 2000
CONCURRENCY = 16
PERSON = {"name": "张伟", "id_number": "321302199001011237", "phone": "13800000000"}


def _form() -> dict[str, Any]:
    return {
        "applicant": PERSON,
        "details": {
            "address": "宿迁市宿城区幸福中路88号",
            "residence_type": "租赁住房",
            "since": "2026-01-15",
        },
    }


def validation() -> None:
    form = CompiledForm(next(i for i in SEED if i.code == "SQ-GA-0001").form)
    good, bad = _form(), {"applicant": {"id_number": "1"}, "details": {"residence_type": "x"}}
    for label, data in (("valid", good), ("invalid, every error", bad)):
        loops = 20_000
        start = time.perf_counter()
        for _ in range(loops):
            form.errors(data)
        per = (time.perf_counter() - start) / loops * 1e6
        print(f"form validation ({label}): {per:.1f} µs/form")


async def _bounded(n: int, call: Any) -> float:
    return await bounded(n, call, concurrency=CONCURRENCY)


async def run(settings: Settings) -> None:
    services = Services(Wiring(settings, FEATURES))
    async with services.lifespan():
        await migrate()
        await services.wiring.get(CatalogueService).seed(SEED)
        engine, outbox = services.wiring.infra.engine, services.wiring.get(Outbox)
        applications = services.wiring.get(ApplicationService)
        async with http_client(create_app(settings, wiring=services.wiring)) as client:
            held = await holder(client, "JMSFZ")
        citizen = held.id
        PERSON.update(held.person)
        drafts = []
        for _ in range(N):
            view = await applications.create(citizen, "SQ-GA-0001", actor="bench")
            await applications.save(citizen, view.row.id, _form())
            await give_required_directly(services, citizen, view.row.id)
            drafts.append(view.row.id)

        async def enqueue(i: int) -> None:
            async with transaction(engine):
                await outbox.enqueue("bench.reference", key=f"k{i}", payload={"i": i})

        async def submit(i: int) -> None:
            await applications.submit(citizen, drafts[i], actor="bench")

        reference = await _bounded(N, enqueue)
        rate = await _bounded(N, submit)
        print(f"outbox enqueue alone (reference): {reference:,.0f}/s")
        print(f"submit (validate + write + enqueue): {rate:,.0f}/s ({rate / reference:.0%} of the reference)")

        cases = services.wiring.infra.upstreams.cases
        submission = ApplicationSubmission(
            item_code="SQ-GA-0001", applicant=Applicant(**PERSON), form={"details.address": "宿迁市"}
        )

        async def direct(i: int) -> None:
            await cases.submit_application(submission, idempotency_key=f"bench-direct-{i}")

        direct_rate = await _bounded(N, direct)
        start = time.perf_counter()
        async with workers(services, n=2):

            async def drained() -> bool:
                counts = await outbox.counts([DELIVER])
                return counts.get("pending", 0) + counts.get("running", 0) == 0

            await eventually(drained, within=3600)
        delivered = N / (time.perf_counter() - start)
        job = await outbox.find(DELIVER, deliver_key(drafts[0]))
        assert job is not None
        assert job.state == "done"
        print(f"case twin, direct (reference): {direct_rate:,.0f}/s")
        print(
            f"delivery through the outbox, 2 workers: {delivered:,.0f}/s "
            f"({delivered / direct_rate:.0%} of the reference)"
        )


async def main() -> None:
    async with throwaway_settings() as settings:
        await run(settings)


if __name__ == "__main__":
    # ``make bench-quick`` passes --quick: 200 applications instead of 2,000.
    if "--quick" in sys.argv[1:]:
        N = 200
    print(f"One-stop applications ({N} applications, {CONCURRENCY} at a time, PostgreSQL, in-process twin)")
    validation()
    logging.disable(logging.INFO)  # the upstream-call log lines, one per call
    asyncio.run(main())

"""Fault drills for delivery: a worker killed after the department took the case but before we
recorded it, answers lost on the way back (timeouts), and a burst of 1,000 submissions under several
workers — the department twin counts 0 lost and 0 duplicated cases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from backend.application.delivery import Delivery
from backend.application.service import DELIVER, ApplicationService, deliver_key
from backend.outbox.jobs import ClaimedJob
from backend.outbox.service import Outbox
from integrations.cases import ApplicationSubmission, CaseReceipt
from tests.backend.application.conftest import FAST, cases_twin, eventually, worker, workers
from tests.backend.application.factories import give_required_directly
from tests.backend.application.test_lifecycle import residence_form
from tests.backend.auth.clock import ManualClock
from tests.backend.licence.factories import holder
from tests.services import Services


async def _submitted(
    services: Services, citizen_id: uuid.UUID, person: dict[str, str], n: int
) -> list[uuid.UUID]:
    applications = services.wiring.get(ApplicationService)
    ids: list[uuid.UUID] = []
    for _ in range(n):
        view = await applications.create(citizen_id, "SQ-GA-0001", actor="citizen:test")
        await applications.save(citizen_id, view.row.id, residence_form(person))
        await give_required_directly(services, citizen_id, view.row.id)
        await applications.submit(citizen_id, view.row.id, actor="citizen:test")
        ids.append(view.row.id)
    return ids


async def test_a_worker_killed_after_the_department_took_the_case_loses_and_duplicates_nothing(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    [application_id] = await _submitted(services, citizen.id, citizen.person, 1)
    twin, delivery = cases_twin(services), services.wiring.get(Delivery)
    cases_before = len(twin.cases)
    taken, never = asyncio.Event(), asyncio.Event()

    async def dies_after_the_department_answered(job: ClaimedJob) -> None:
        real = delivery._cases.submit_application  # the department takes the case …
        original = delivery._cases.submit_application

        async def then_die(submission: ApplicationSubmission, *, idempotency_key: str) -> CaseReceipt:
            receipt = await real(submission, idempotency_key=idempotency_key)
            taken.set()
            await never.wait()  # … and the process dies before a byte is recorded
            return receipt

        delivery._cases.submit_application = then_die  # type: ignore[method-assign]
        try:
            await delivery.deliver(job)
        finally:
            delivery._cases.submit_application = original  # type: ignore[method-assign]

    doomed = asyncio.create_task(
        worker(services, override={DELIVER: dies_after_the_department_answered}).step()
    )
    await asyncio.wait_for(taken.wait(), 10)
    doomed.cancel()
    await asyncio.gather(doomed, return_exceptions=True)
    assert len(twin.cases) == cases_before + 1
    view = await services.wiring.get(ApplicationService).get(citizen.id, application_id)
    assert view.row.case_id is None  # nothing recorded
    assert view.delivery == "forwarding"

    # Another worker takes the job over once the lease ends, under the same idempotency key.
    later = ManualClock(datetime.now(UTC) + timedelta(seconds=FAST.lease_seconds + 1))
    while await worker(services, clock=later).step():
        pass
    view = await services.wiring.get(ApplicationService).get(citizen.id, application_id)
    assert view.row.case_id is not None
    assert view.delivery == "delivered"
    assert len(twin.cases) == cases_before + 1  # the same case, not a second
    job = await services.wiring.get(Outbox).find(DELIVER, deliver_key(application_id))
    assert job is not None
    assert job.attempts == 2


async def test_a_burst_of_1000_submissions_with_lost_answers_is_delivered_exactly_once_each(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    twin = cases_twin(services)
    cases_before = len(twin.cases)
    ids = await _submitted(services, citizen.id, citizen.person, 1000)
    # The department takes the next 4 cases and loses its answers (a timeout, as the caller sees it);
    # 4, under the 5 failures in a row that open our breaker for 30 s.
    twin.lose_answers = 4
    outbox = services.wiring.get(Outbox)
    async with workers(services, n=4):

        async def all_delivered() -> bool:
            counts = await outbox.counts([DELIVER])
            return counts.get("pending", 0) + counts.get("running", 0) == 0

        await eventually(all_delivered, within=240)
    assert twin.lose_answers == 0
    applications = services.wiring.get(ApplicationService)
    case_ids = [(await applications.get(citizen.id, i)).row.case_id for i in ids]
    assert None not in case_ids  # 0 lost
    assert len(set(case_ids)) == 1000  # 0 duplicated: one case each …
    assert len(twin.cases) == cases_before + 1000  # … and no case the department holds twice
    for application_id in ids[:50]:
        job = await outbox.find(DELIVER, deliver_key(application_id))
        assert job is not None
        assert job.state == "done"

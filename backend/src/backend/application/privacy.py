"""What applications keep of a citizen: the forms (sealed: they hold the ID number), their histories
and uploaded materials. An application a department is handling blocks closing the account: the
department is deciding on the citizen's behalf and answers to them; withdraw it (or let it finish)
first. At closure the deliveries' outbox payloads are emptied and the materials' blobs swept; the
history of each application (append-only in the database) stays, naming statuses and digests only."""

from __future__ import annotations

import uuid

from backend.application.materials import SWEEP, SweepJob
from backend.application.tables import Application, ApplicationEvent, ApplicationMaterial, ApplicationReviewer
from backend.outbox.service import Outbox
from backend.personal_data import Blocker, BlockerCheck, Category, CitizenStep, Held, OnClosure, PersonalData
from backend.wiring import Wiring

# Handled by a department, not yet decided: closing now would leave a case with nobody to answer to.
OPEN = ("submitted", "accepted", "in_review", "correction_requested", "resubmitted", "approved")


def _blockers(w: Wiring) -> BlockerCheck:
    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        open_ = await Application.count().where(
            (Application.citizen_id == citizen_id) & Application.status.is_in(list(OPEN))
        )
        if not open_:
            return []
        detail = "application(s) a department is handling: withdraw them or wait for the decision"
        return [Blocker(code="application.open", detail=detail, count=open_)]

    return check


def _forget(w: Wiring) -> CitizenStep:
    outbox = w.get(Outbox)

    async def step(citizen_id: uuid.UUID) -> None:
        rows = await Application.select(Application.id).where(Application.citizen_id == citizen_id)
        ids = [row["id"] for row in rows]
        for application_id in ids:
            await outbox.forget(f"application:{application_id}:")
        if not ids:
            return
        blobs = await ApplicationMaterial.select(ApplicationMaterial.blob).where(
            ApplicationMaterial.application_id.is_in(ids) & ApplicationMaterial.blob.is_not_null()
        )
        # Enqueued in the closure's transaction, which deletes the materials: the sweep finds the
        # blob unreferenced (unless another account's material shares it) and deletes it.
        for blob in {row["blob"] for row in blobs}:
            await outbox.enqueue(SWEEP, key=f"{blob}:closure:{citizen_id}", payload=SweepJob(blob=blob))

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="applications",
            description="Your applications for city services: the forms you filled, where each value "
            "came from, the uploaded materials and every step of their handling",
            purpose="One-stop service applications (一網通辦) delivered to the deciding department",
            legal_basis="PIPL art. 13(3): public duties (the department's decision on your request)",
            retention="While the account is open; the department keeps its own case file",
        ),
    ),
    held=(
        Held(
            table=Application,
            category="applications",
            sealed={"data": "application.data:{id}", "provenance": "application.provenance:{id}"},
        ),
        Held(
            table=ApplicationEvent,
            category="applications",
            parent=("application_id", Application),
            on_closure=OnClosure.RETAIN,
            retained_because="the case history of a government service (Archives Law art. 11); append-only, "
            "statuses and digests only",
        ),
        Held(
            table=ApplicationMaterial,
            category="applications",
            parent=("application_id", Application),
            sealed={
                "name": "application.material.name:{application_id}",
                "licence": "application.material.licence:{application_id}",
            },
        ),
    ),
    unrelated={
        ApplicationReviewer: "staff accounts bound to the departments whose applications they review",
    },
    blockers=_blockers,
    on_closure=_forget,
)

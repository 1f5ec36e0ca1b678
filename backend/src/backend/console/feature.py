"""The staff console: server-rendered pages under ``/console`` over the same services and permissions
as the API (backend/README.md, "The staff console")."""

from __future__ import annotations

from litestar import Router

from backend.access import PAGE
from backend.application.review import ApplicationReview
from backend.audit.service import AuditLog
from backend.auth.tokens import TokenService
from backend.catalogue.service import CatalogueService
from backend.code.scans import ScanUploads
from backend.code.service import CitizenCodeService
from backend.console.controller.assets import stylesheet
from backend.console.controller.audit import ConsoleAuditController
from backend.console.controller.catalogue import ConsoleCatalogueController, held
from backend.console.controller.citizen_code import ConsoleCitizenCodeController
from backend.console.controller.counter import ConsoleCounterController
from backend.console.controller.outbox import ConsoleOutboxController
from backend.console.controller.payments import ConsolePaymentController
from backend.console.controller.review import ConsoleReviewController
from backend.console.controller.scanners import ConsoleScannerController
from backend.console.controller.setup import ConsoleSetupController
from backend.console.controller.sign_in import ConsoleSignInController
from backend.console.controller.staff import ConsoleStaffController
from backend.console.controller.venues import ConsoleVenueController
from backend.console.controller.warnings import ConsoleWarningController
from backend.console.held import HeldForms
from backend.console.problem_pages import HANDLERS
from backend.console.session import ConsoleSessions
from backend.feature import Feature
from backend.outbox.service import Outbox
from backend.payment.reconciliation import Reconciliation
from backend.queues.counters import CounterService
from backend.queues.service import HallService
from backend.scanner.service import ScannerService
from backend.staff.login import StaffLogin
from backend.staff.second_factor import SecondFactors
from backend.staff.service import StaffService
from backend.staff.settings import StaffSettings
from backend.tourism.service import TourismService
from backend.tourism.spots import SpotService
from backend.warning.service import WarningService
from backend.wiring import Wiring


def _sessions(w: Wiring) -> ConsoleSessions:
    return ConsoleSessions(
        w.infra.cipher,
        refresh_ttl=w.section(StaffSettings).session_idle_ttl,
        always_secure=w.infra.settings.mode == "production",
    )


CONSOLE_ROUTER = Router(
    path="/",
    route_handlers=[
        stylesheet,
        ConsoleSignInController,
        ConsoleStaffController,
        ConsoleOutboxController,
        ConsoleAuditController,
        ConsoleScannerController,
        ConsoleReviewController,
        ConsoleCatalogueController,
        ConsoleVenueController,
        held,
        ConsoleCounterController,
        ConsoleWarningController,
        ConsolePaymentController,
        ConsoleCitizenCodeController,
        ConsoleSetupController,
    ],
    # A console route's error is a page, never problem+json (``problem_pages``).
    exception_handlers=HANDLERS,
    include_in_schema=False,
    opt={PAGE: True},
)

FEATURE = Feature(
    name="console",
    routes=(CONSOLE_ROUTER,),
    services={
        ConsoleSessions: _sessions,
        HeldForms: lambda w: HeldForms(
            w.infra.store, w.infra.cipher, w.infra.clock, lifetime=w.section(StaffSettings).session_idle_ttl
        ),
    },
    dependencies={
        "console": ConsoleSessions,
        "login": StaffLogin,
        "staff": StaffService,
        "tokens": TokenService,
        "outbox": Outbox,
        "audit": AuditLog,
        "scanners": ScannerService,
        "factors": SecondFactors,
        "review": ApplicationReview,
        "catalogue": CatalogueService,
        "held": HeldForms,
        "counters": CounterService,
        "halls": HallService,
        "warnings": WarningService,
        "reconciliation": Reconciliation,
        "codes": CitizenCodeService,
        "uploads": ScanUploads,
        "spots": SpotService,
        "tourism": TourismService,
    },
)

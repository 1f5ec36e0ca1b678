"""The tourism feature's HTTP edge: public reads, the citizen's visitors, purchases and tickets,
gates, and the operators' spots."""

from backend.tourism.controller.citizen import TourismCitizenController
from backend.tourism.controller.offline import TourismGateFlagController, TourismOfflineGateController
from backend.tourism.controller.public import (
    TourismAdminController,
    TourismGateController,
    TourismPublicController,
)
from backend.tourism.controller.waitlist import TourismAdmissionAdminController, TourismWaitlistController

__all__ = [
    "TourismAdminController",
    "TourismAdmissionAdminController",
    "TourismCitizenController",
    "TourismGateController",
    "TourismGateFlagController",
    "TourismOfflineGateController",
    "TourismPublicController",
    "TourismWaitlistController",
]

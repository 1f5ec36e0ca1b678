"""The wiring builds each service and each background job once, however many apps share it."""

from __future__ import annotations

from tests.services import Services, app_with


async def test_a_second_app_over_a_running_wiring_keeps_its_jobs(services: Services) -> None:
    running = services.wiring.background
    assert running is not None
    app_with(services)  # what a test's own app over the session wiring does
    # The jobs started with the wiring are the ones its lifespan stops: none is orphaned, to go on
    # polling a store that was closed under it.
    assert services.wiring.background is running

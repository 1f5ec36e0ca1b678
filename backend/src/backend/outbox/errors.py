"""The outbox's errors, as operators meet them.

NotFound (404)   JobNotFound   outbox.job_not_found
Conflict (409)   JobNotDead    outbox.job_not_dead
"""

from __future__ import annotations

from backend.errors import Conflict, NotFound


class JobNotFound(NotFound):
    code = "outbox.job_not_found"
    detail = "No such outbox job"


class JobNotDead(Conflict):
    """Only a dead-lettered job is replayed: a pending or running one is still being tried, and a
    done one was delivered."""

    code = "outbox.job_not_dead"
    detail = "Only a dead-lettered job can be replayed"

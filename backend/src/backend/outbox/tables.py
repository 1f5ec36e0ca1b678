from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxJob(Table, tablename="outbox_job"):
    """One piece of work owed to another system (a department's case system, an SMS gateway).

    ``(topic, key)`` is unique (see the raw migration): ``key`` is the idempotency key the handler
    sends on every try, and enqueuing the same key twice is a no-op. ``state`` is ``pending`` |
    ``running`` | ``done`` | ``dead``; ``due_at`` is when a pending job may run, or, while it runs,
    when its lease ends and another worker may take it over (a worker killed mid-job). ``lease`` is
    the claim's own token: only the claim that holds it may finish the job.
    """

    id = UUID(primary_key=True)
    topic = Varchar(length=64)
    key = Varchar(length=200)
    payload = Text()
    state = Varchar(length=16)
    attempts = Integer()
    max_attempts = Integer()
    replays = Integer()
    due_at = Timestamptz()
    lease = Varchar(length=36, null=True)
    last_error = Text()
    created_at = Timestamptz()
    updated_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    # The W3C traceparent of the span that enqueued the job (tracing on), so its delivery joins
    # that trace; NULL when tracing was off.
    trace = Varchar(length=55, null=True, default=None)

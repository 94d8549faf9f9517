"""The job queue of the network app: task names, per-message locks, and deferring.

Delivery and the outbox defer jobs; `tasks.py` registers the functions that run them.
Both import this module and neither imports the other at load time, so there is no
import circle between the jobs and the code they run.

Deliveries are deferred through `defer_delivery`, which writes the job on Django's own
database connection, so the job is part of the caller's transaction (a rolled-back
decision leaves no job), in the web process and in a worker alike. (Inside a worker,
procrastinate's app uses its own connection pool, which would commit the job apart
from the message.)

Each message's jobs share a procrastinate lock, so two jobs for one message never run
at the same time, whichever workers fetch them.
"""

from procrastinate import manager
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.tasks import configure_task

DELIVER_TASK = "network.deliver_outbound"
RECOVER_TASK = "network.recover_outbound"
PRUNE_TASK = "network.prune_inbound"
QUEUE = "outbound"
DELIVERY_LOCK_PREFIX = "outbound-message-"

_job_manager: manager.JobManager | None = None


def delivery_lock(message_id: int) -> str:
    """The procrastinate lock shared by every delivery job of one message."""
    return f"{DELIVERY_LOCK_PREFIX}{message_id}"


def defer_delivery(message_id: int, *, schedule_at=None) -> int:
    """Queue the delivery of an OutboundMessage in the current transaction; returns the job id."""
    global _job_manager
    if _job_manager is None:
        _job_manager = manager.JobManager(DjangoConnector())
    deferrer = configure_task(
        name=DELIVER_TASK,
        job_manager=_job_manager,
        queue=QUEUE,
        lock=delivery_lock(message_id),
        schedule_at=schedule_at,
    )
    return deferrer.defer(message_id=message_id)

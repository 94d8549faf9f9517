"""Background jobs of the network app (procrastinate): deliver outbound calls, recover.

Deliveries are deferred through `defer_delivery`, which writes the job on Django's own
database connection, so the job is part of the caller's transaction (a rolled-back
decision leaves no job), in the web process and in a worker alike. (Inside a worker,
procrastinate's app uses its own connection pool, which would commit the job apart
from the message.)

Each message's jobs share a procrastinate lock, so two jobs for one message never run
at the same time, whichever workers fetch them.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from procrastinate import manager
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.tasks import configure_task

DELIVER_TASK = "network.deliver_outbound"
RECOVER_TASK = "network.recover_outbound"
PRUNE_TASK = "network.prune_inbound"
QUEUE = "outbound"

_job_manager: manager.JobManager | None = None


def delivery_lock(message_id: int) -> str:
    """The procrastinate lock shared by every delivery job of one message."""
    return f"outbound-message-{message_id}"


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


@app.task(name=DELIVER_TASK, queue=QUEUE)
def deliver_outbound(message_id: int) -> None:
    """Deliver one OutboundMessage to EnKash (see network.delivery)."""
    from .delivery import deliver

    # A worker thread lives longer than a request: drop a connection the database
    # closed (restart, failover) before and after, as Django does around requests.
    close_old_connections()
    try:
        deliver(message_id)
    finally:
        close_old_connections()


@app.periodic(cron=settings.ENKASH_RECOVERY_CRON, periodic_id="outbound")
@app.task(name=RECOVER_TASK, queue=QUEUE, queueing_lock=RECOVER_TASK, pass_context=True)
async def recover_outbound(context, timestamp: int) -> None:
    """Put back in the queue the jobs of dead workers, then re-defer stranded messages.

    A worker is dead when it sent no heartbeat for ENKASH_STALLED_AFTER_SECONDS. Its
    "doing" jobs are retried as they are (every task of this project is safe to run
    again: delivery re-checks its message under a lock).
    """
    from .delivery import requeue_stranded

    jobs = context.app.job_manager
    for job in await jobs.get_stalled_jobs(
        seconds_since_heartbeat=settings.ENKASH_STALLED_AFTER_SECONDS
    ):
        await jobs.retry_job(job)
    await sync_to_async(_requeue, thread_sensitive=False)(requeue_stranded)


def _requeue(requeue_stranded) -> None:
    close_old_connections()
    try:
        requeue_stranded()
    finally:
        close_old_connections()


@app.periodic(cron=settings.ENKASH_INBOUND_PRUNE_CRON, periodic_id="prune-inbound")
@app.task(name=PRUNE_TASK, queue=QUEUE, queueing_lock=PRUNE_TASK)
def prune_inbound(timestamp: int) -> None:
    """Daily: clear old bodies of answered inbound messages (ENKASH_INBOUND_RETENTION_DAYS)."""
    from .retention import prune_inbound as prune

    close_old_connections()
    try:
        prune()
    finally:
        close_old_connections()

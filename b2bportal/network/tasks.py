"""Background jobs of the network app (procrastinate): deliver outbound calls, recover.

The task names, locks and `defer_delivery` live in `jobs.py`; this module only
registers the functions procrastinate runs for them (found by procrastinate's
autodiscovery of `tasks` modules).
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate.contrib.django import app

from b2bportal.background import in_worker

from . import delivery, retention
from .jobs import DELIVER_TASK, PRUNE_TASK, QUEUE, RECOVER_TASK


@app.task(name=DELIVER_TASK, queue=QUEUE)
def deliver_outbound(message_id: int) -> None:
    """Deliver one OutboundMessage to EnKash, with a batch of others due (see network.delivery)."""
    in_worker(delivery.deliver, message_id, batch_size=settings.ENKASH_DELIVERY_BATCH_SIZE)


@app.periodic(cron=settings.ENKASH_RECOVERY_CRON, periodic_id="outbound")
@app.task(name=RECOVER_TASK, queue=QUEUE, queueing_lock=RECOVER_TASK, pass_context=True)
async def recover_outbound(context, timestamp: int) -> None:
    """Put back in the queue the jobs of dead workers, then re-defer stranded messages.

    A worker is dead when it sent no heartbeat for ENKASH_STALLED_AFTER_SECONDS. Its
    "doing" jobs are retried as they are (every task of this project is safe to run
    again: delivery re-checks its message under a lock).
    """
    jobs = context.app.job_manager
    for job in await jobs.get_stalled_jobs(
        seconds_since_heartbeat=settings.ENKASH_STALLED_AFTER_SECONDS
    ):
        await jobs.retry_job(job)
    await sync_to_async(in_worker, thread_sensitive=False)(delivery.requeue_stranded)


@app.periodic(cron=settings.ENKASH_INBOUND_PRUNE_CRON, periodic_id="prune-inbound")
@app.task(name=PRUNE_TASK, queue=QUEUE, queueing_lock=PRUNE_TASK)
def prune_inbound(timestamp: int) -> None:
    """Daily: clear old bodies of answered inbound messages (ENKASH_INBOUND_RETENTION_DAYS)."""
    in_worker(retention.prune_inbound)

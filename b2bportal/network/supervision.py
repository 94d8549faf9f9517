"""A worker that outlives its database: procrastinate's worker run under a supervising loop.

procrastinate stops a worker for good when one of its side tasks (the LISTEN
connection, the heartbeat, the periodic deferrer) loses the database: "Side task
listener failed ... stopping worker". Deliveries would then wait until someone
restarted it by hand. `supervise` runs the worker, and whenever it stops without
being asked to (the database restarted, a network blip, an unexpected error), waits
with an exponential backoff (WORKER_RESTART_BASE_SECONDS doubling up to
WORKER_RESTART_MAX_SECONDS) until the database answers, and starts it again with a
fresh connection pool. Only SIGTERM or SIGINT end it: the running jobs are finished
first, as procrastinate's own worker does.

Jobs a stopped worker left "doing" are put back in the queue by the recovery task
(`network.tasks.recover_outbound`), once that worker's heartbeat is old enough.
"""

import asyncio
import contextlib
import logging
import signal

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


def restart_delay(failures: int, base: float, cap: float) -> float:
    """Seconds to wait before the next start after `failures` stops in a row."""
    return min(base * 2**failures, cap)


def database_answers() -> bool:
    """True when the database accepts a connection and a query right now."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False
    finally:
        connection.close()


async def run_worker_once(worker_options: dict, stop: asyncio.Event) -> str:
    """Run one procrastinate worker until it stops or `stop` is set; say why it ended.

    Never raises (but for cancellation): a failure is a reason to start again.
    """
    if not await sync_to_async(database_answers, thread_sensitive=False)():
        return "the database does not answer"
    django_connector = app.connector
    try:
        # Workers need a connector of their own (a psycopg pool, LISTEN), as in
        # `manage.py procrastinate worker`; a fresh one each run drops dead sockets.
        with app.replace_connector(django_connector.get_worker_connector()):
            async with app.open_async():
                worker = asyncio.create_task(
                    app.run_worker_async(install_signal_handlers=False, **worker_options),
                    name="worker",
                )
                stopping = asyncio.create_task(stop.wait(), name="stop requested")
                await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not worker.done():
                    # Cancelling run_worker_async is procrastinate's graceful stop:
                    # running jobs finish, the worker unregisters.
                    worker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                    return "stop requested"
                worker.result()
                return "the worker stopped by itself"
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.debug("worker run failed", exc_info=True)
        return f"{type(exc).__name__}: {exc}"


async def supervise(worker_options: dict, *, base_delay: float, max_delay: float) -> None:
    """Run the worker again and again, with backoff, until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    failures = 0
    while not stop.is_set():
        started = loop.time()
        reason = await run_worker_once(worker_options, stop)
        if stop.is_set():
            break
        # A run that lasted longer than the longest wait was a healthy one: the next
        # failure starts the backoff from the beginning again.
        if loop.time() - started > max_delay:
            failures = 0
        delay = restart_delay(failures, base_delay, max_delay)
        failures += 1
        logger.warning("Worker stopped (%s); starting it again in %.1f s", reason, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    logger.info("Worker supervisor stopped")

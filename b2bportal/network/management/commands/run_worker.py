"""`manage.py run_worker`: the background worker, restarted with backoff when it stops."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b2bportal.network.client import get_client
from b2bportal.network.supervision import supervise


class Command(BaseCommand):
    help = (
        "Run the procrastinate worker under supervision: a lost database connection or "
        "any other stop is retried with backoff; SIGTERM/SIGINT stop it gracefully."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, default=1,
            help="jobs run at once (at most ENKASH_WORKER_CONCURRENCY)",
        )  # fmt: skip
        parser.add_argument("--name", default="", help="worker name (logs, job context)")
        parser.add_argument(
            "--queue", action="append", dest="queues", help="a queue to take jobs from (repeat)"
        )

    def handle(self, *args, concurrency, name, queues, **options):
        if not 1 <= concurrency <= settings.ENKASH_WORKER_CONCURRENCY:
            # The EnKash client keeps call threads for that many delivery jobs: more
            # would queue calls past the length a SENDING claim allows, and send twice.
            raise CommandError(
                f"--concurrency must be 1 to ENKASH_WORKER_CONCURRENCY "
                f"({settings.ENKASH_WORKER_CONCURRENCY}); raise that setting first"
            )
        if settings.ENKASH_BASE_URL:
            # Made now rather than by the first delivery: the client's TLS context
            # (the CA bundle read and parsed) costs a fifth of a second of CPU, which
            # the first decision after a start would otherwise wait for; and a trust
            # store that cannot be read stops the worker here, not every delivery.
            try:
                get_client()
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                raise CommandError(f"The EnKash client could not be made: {exc}") from exc
        worker_options = {"concurrency": concurrency, "queues": queues}
        if name:
            worker_options["name"] = name
        asyncio.run(
            supervise(
                worker_options,
                base_delay=settings.WORKER_RESTART_BASE_SECONDS,
                max_delay=settings.WORKER_RESTART_MAX_SECONDS,
            )
        )

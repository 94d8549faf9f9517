"""`manage.py run_worker`: the background worker, restarted with backoff when it stops."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand

from b2bportal.network.supervision import supervise


class Command(BaseCommand):
    help = (
        "Run the procrastinate worker under supervision: a lost database connection or "
        "any other stop is retried with backoff; SIGTERM/SIGINT stop it gracefully."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="jobs run at once")
        parser.add_argument("--name", default="", help="worker name (logs, job context)")
        parser.add_argument(
            "--queue", action="append", dest="queues", help="a queue to take jobs from (repeat)"
        )

    def handle(self, *args, concurrency, name, queues, **options):
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

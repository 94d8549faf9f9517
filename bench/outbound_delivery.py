"""Outbound delivery benchmark: decisions committed here, delivered by real workers.

    .venv/bin/python bench/outbound_delivery.py [--messages 500] [--workers 1,4]
                                                [--concurrency 4] [--latency-samples 100]

Against a fresh database `b2bportal_bench_outbound` on DATABASE_URL's server (or the
private PostgreSQL when DATABASE_URL is unset) and the sandbox EnKash server (token
endpoint, bearer check, JSON ack) on a loopback port, with production settings:

- throughput: for each worker count, that many `manage.py procrastinate worker`
  processes (each `--concurrency` jobs at once) are started and registered; then
  `--messages` invoice.confirm decisions are committed in one transaction, and the
  time until every message is SENT (acknowledged and recorded) gives deliveries/s;
- latency: with one idle worker, decisions committed one at a time (0.1 s apart); the
  time from each commit to its request arriving at the sandbox, p50/p95/max.
  Target: p95 under 1 s (workers LISTEN for new jobs; no polling delay).

Every message must be delivered exactly once (checked). Drops its database at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox_load import (  # noqa: E402  (the database helpers of the inbox benchmark)
    base_database_url,
    production_env,
    recreate_database,
    with_database,
)

from b2bportal.processes import stop_processes  # noqa: E402

BENCH_DB = "b2bportal_bench_outbound"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


def confirmation(n: int) -> dict:
    return {
        "b2bIds": {"buyerB2BId": "BUYER-B2B-1", "supplierB2BId": "SUPPLIER-B2B-1"},
        "invoiceConfirmation": {
            "objectId": f"INV{n:032d}",
            "supplierInvoiceNumber": f"SUP/2026/{n:05d}",
            "objectVersion": {"currentVersion": 1, "newVersion": 1},
            "buyerResponse": "ACCEPT",
            "buyerRemarks": "Goods received in full",
            "statusTransition": {"currentStatus": "SENT_TO_BUYER", "newStatus": "ACCEPTED"},
        },
    }


def start_workers(count: int, concurrency: int, env: dict) -> list[subprocess.Popen]:
    from procrastinate.contrib.django.models import ProcrastinateWorker

    before = ProcrastinateWorker.objects.count()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "procrastinate",
                "worker",
                "--concurrency",
                str(concurrency),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )  # fmt: skip
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while ProcrastinateWorker.objects.count() < before + count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            stop_workers(workers)
            raise SystemExit("workers did not start")
        time.sleep(0.1)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    stop_processes(workers, timeout=15)


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE network_deliveryattempt, network_outboundmessage CASCADE")
        cursor.execute("DELETE FROM procrastinate_jobs")


def decide(n: int):
    from django.db import transaction

    from b2bportal.network import outbox

    with transaction.atomic():
        return outbox.enqueue("invoice.confirm", confirmation(n), object_id=f"INV{n:032d}")


def throughput(count: int, concurrency: int, messages: int, env: dict, sandbox):
    from django.db import transaction
    from django.db.models import Avg

    from b2bportal.network.models import DeliveryAttempt, OutboundMessage

    reset()
    sandbox.clear()
    workers = start_workers(count, concurrency, env)
    try:
        with transaction.atomic():
            for n in range(messages):
                decide(n)
        started = time.perf_counter()
        sent = OutboundMessage.objects.filter(state="sent")
        deadline = time.monotonic() + 300
        while sent.count() < messages:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sent.count()} of {messages} sent in 300 s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        stop_workers(workers)
    ids = [r.req_msg_id for r in sandbox.received]
    assert len(ids) == len(set(ids)) == messages, f"{len(ids)} requests for {messages} messages"
    http_ms = DeliveryAttempt.objects.aggregate(ms=Avg("latency_ms"))["ms"]
    return messages / elapsed, http_ms


def latency(samples: int, env: dict, sandbox) -> list[float]:
    reset()
    sandbox.clear()
    workers = start_workers(1, 4, env)
    delays = []
    try:
        time.sleep(1)  # the worker is idle, waiting on LISTEN
        for n in range(samples):
            decide(n)
            committed = time.time()
            [arrived] = sandbox.wait_for(n + 1, timeout=30)[n:]
            delays.append(arrived.at - committed)
            time.sleep(0.1)
    finally:
        stop_workers(workers)
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency-samples", type=int, default=100)
    args = parser.parse_args()

    base_url = base_database_url()
    recreate_database(base_url, BENCH_DB)
    database_url = with_database(base_url, BENCH_DB)
    env = production_env(database_url)
    env.update(
        ENKASH_CLIENT_ID=CLIENT_ID,
        ENKASH_CLIENT_SECRET=CLIENT_SECRET,
        ENKASH_CONNECT_TIMEOUT="2",
        ENKASH_READ_TIMEOUT="5",
    )
    from b2bportal.sandbox.server import SandboxServer

    sandbox = SandboxServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    env["ENKASH_BASE_URL"] = sandbox.url
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(
            f"outbound delivery, {args.messages} messages, sandbox at {sandbox.url}, "
            f"listen_notify={settings.PROCRASTINATE_WORKER_DEFAULTS['listen_notify']}"
        )
        for count in [int(c) for c in args.workers.split(",")]:
            rate, http_ms = throughput(count, args.concurrency, args.messages, env, sandbox)
            print(
                f"  {count} worker(s) x concurrency {args.concurrency}: "
                f"{rate:7.1f} deliveries/s (each delivered once; HTTP call {http_ms:.1f} ms avg)"
            )
        delays = sorted(latency(args.latency_samples, env, sandbox))
        p50 = statistics.median(delays)
        p95 = delays[max(int(len(delays) * 0.95) - 1, 0)]
        print(
            f"  commit -> request at EnKash, idle queue, {len(delays)} decisions: "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms "
            f"(target p95 < 1000 ms: {'met' if p95 < 1 else 'NOT met'})"
        )
    finally:
        sandbox.stop()
        from django.db import connections

        connections.close_all()
        recreate_database(base_url, BENCH_DB, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Outbound delivery benchmark: decisions committed here, delivered by real workers.

    .venv/bin/python bench/outbound_delivery.py [--messages 2000] [--workers 1,4]
                                                [--concurrency 2] [--latency-samples 100]
                                                [--load-rate 500] [--load-seconds 5]
                                                [--load-processes 2]
                                                [--batch 16]

Against a fresh database `b2bportal_bench_outbound` on DATABASE_URL's server (or the
private PostgreSQL when DATABASE_URL is unset) and the sandbox EnKash server (token
endpoint, bearer check, JSON ack) on a loopback port, in a process of its own (so it
does not share an interpreter lock with the decisions committed here), with
production settings:

- floor: the same number of calls POSTed straight to the sandbox by as many client
  processes as the largest worker count, each shaped as a worker is (`--concurrency`
  threads, each making `--batch` calls at once) and calling through the workers' own
  client (`network.client.EnKashClient.post_all`: the token, httpx's keep-alive
  connections, the calls' thread pool),
  with no database and no queue: what the stand-in for EnKash and the bare calls take
  on this machine right now, so the ratio is what the delivery machinery leaves of it.
  The stand-in is the sandbox's own server (the one the tests and `make run` use: a
  thread per keep-alive connection, the bearer check, every reqMsgId recorded, the
  JSON ack); the CPU it spends per call is printed, and it takes a few thousand calls
  a second from lean clients on this machine, far above the 500/s target. The floor
  is measured right before each phase, and the phase's rate is also printed as its
  ratio to it, so runs on a loaded or a quiet machine compare;
- throughput: for each worker count, that many `manage.py run_worker` processes (the
  product's worker: each `--concurrency` jobs at once, ENKASH_WORKER_CONCURRENCY, each
  job sending up to `--batch` due messages at once: ENKASH_DELIVERY_BATCH_SIZE) are
  started and registered; then
  `--messages` invoice.confirm decisions are committed in one transaction, and the
  time until every message is SENT (acknowledged and recorded) gives deliveries/s;
- latency under load: with the largest worker count, decisions committed in small
  transactions (one every 20 ms) at `--load-rate` per second in all, for
  `--load-seconds`, by `--load-processes` processes (one process of Python cannot
  commit 500 decisions a second on this machine); the time from each commit to its
  request arriving at the sandbox, p50/p95, the rate offered and the rate delivered;
- latency when idle: with one idle worker, decisions committed one at a time (0.1 s
  apart); the same commit-to-request time, p50/p95/max.
  Target: p95 under 1 s, idle and under load (workers LISTEN for new jobs).

Every message must be delivered exactly once: the requests the sandbox received are
counted per reqMsgId in every phase and printed (and any miss or repeat fails the
run). Drops its database at the end.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inbox_load import (  # noqa: E402  (the database helpers of the inbox benchmark)
    base_database_url,
    production_env,
    recreate_database,
    with_database,
)

from b2bportal.processes import cpu_seconds, stop_processes  # noqa: E402

BENCH_DB = "b2bportal_bench_outbound"
CONFIRM_PATH = "/api/v0/invoice/req-confirm-invoice"
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


def floor_client(base_url: str, count: int, threads: int, batch: int) -> None:
    """One floor process: `count` calls to the sandbox, no database: `threads` threads each
    making `batch` calls at once with the workers' own client, as a delivery job does."""
    from b2bportal.network.client import ClientConfig, EnKashClient

    client = EnKashClient(
        ClientConfig(
            base_url=base_url,
            token_path="/api/v0/auth/token",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            connect_timeout=5,
            read_timeout=15,
            encryption_key="",
            calls_at_once=threads * batch,
        )  # fmt: skip
    )
    prefix = f"floor{os.getpid()}x"

    def send(numbers):
        for start in range(0, len(numbers), batch):
            calls = [
                client.prepare(CONFIRM_PATH, confirmation(n), f"{prefix}{n}")
                for n in numbers[start : start + batch]
            ]
            if not all(exchange.accepted for exchange in client.post_all(calls)):
                raise SystemExit("a floor call was not accepted")

    client.token()
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    workers = [
        threading.Thread(target=send, args=(range(i, count, threads),)) for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(time.process_time() - cpu, flush=True)


def floor(processes: int, threads: int, batch: int, messages: int, sandbox) -> float:
    """Calls per second the sandbox takes from `processes` bare clients (see the docstring).

    Timed from the moment every client has started and holds its token (a "go" line on
    its stdin) to the last call's answer: start-up is not part of the floor.
    """
    sandbox.clear()
    share = messages // processes
    command = [sys.executable, __file__, "--floor-client", sandbox.url, str(share), str(threads),
               str(batch)]  # fmt: skip
    clients = [
        subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )  # fmt: skip
        for _ in range(processes)
    ]
    if any(client.stdout.readline().strip() != "ready" for client in clients):
        raise SystemExit("a floor client did not start")
    sandbox.clear()  # the token requests
    sandbox_before = sandbox.cpu()
    started = time.perf_counter()
    for client in clients:
        client.stdin.write("go\n")
        client.stdin.flush()
    cpu = sum(float(client.stdout.readline()) for client in clients)  # each one's CPU seconds
    elapsed = time.perf_counter() - started
    if any(client.wait(timeout=300) for client in clients):
        raise SystemExit("a floor client failed")
    calls = share * processes
    assert len(sandbox.received) == calls
    global FLOOR_CPU
    FLOOR_CPU = f"clients {cpu * 1000 / calls:.2f}, sandbox {(sandbox.cpu() - sandbox_before) * 1000 / calls:.2f}"
    return calls / elapsed


FLOOR_CPU = ""  # CPU ms per call of the last floor: its clients, the sandbox


# A request as the sandbox process reports it: its reqMsgId and time.time() of arrival.
Arrival = namedtuple("Arrival", "req_msg_id at")


def serve_sandbox(conn) -> None:
    """The sandbox process: serve EnKash's side, answer the benchmark's questions on `conn`."""
    from b2bportal.sandbox.server import SandboxServer

    server = SandboxServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    conn.send(server.url)
    while True:
        command, *args = conn.recv()
        if command == "stop":
            server.stop()
            conn.send(None)
            return
        try:
            if command == "clear":
                answer = server.clear()
            elif command == "cpu":
                answer = time.process_time()
            else:
                found = server.received if command == "received" else server.wait_for(*args)
                answer = [Arrival(r.req_msg_id, r.at) for r in found]
        except TimeoutError as exc:
            answer = exc
        conn.send(answer)


class SandboxProcess:
    """The sandbox EnKash in a process of its own, with the bits of its interface we use."""

    def start(self) -> "SandboxProcess":
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve_sandbox, args=(child,), daemon=True)
        self._process.start()
        self.url = self._conn.recv()
        return self

    def _ask(self, *command):
        self._conn.send(command)
        answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def clear(self) -> None:
        self._ask("clear")

    @property
    def received(self) -> list[Arrival]:
        return self._ask("received")

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Arrival]:
        return self._ask("wait_for", n, timeout)

    def cpu(self) -> float:
        """CPU seconds the sandbox process has used so far."""
        return self._ask("cpu")

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)


def backend_pids() -> list[int]:
    """The PostgreSQL server processes serving the bench's database (but this process's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


class CpuMeter:
    """CPU used during a phase by the workers, their PostgreSQL backends and the sandbox.

    Read from /proc, so it says where the time goes whatever else the machine is doing
    (a backend that exits mid-phase is not counted: the figure is a lower bound).
    """

    def __init__(self, sandbox, workers: list[subprocess.Popen]):
        self.sandbox, self.workers = sandbox, workers
        self.start = self._read()

    def _read(self) -> dict:
        return {
            "workers": sum(cpu_seconds(w.pid) for w in self.workers),
            "postgres": {pid: cpu_seconds(pid) for pid in backend_pids()},
            "sandbox": self.sandbox.cpu(),
        }

    def per_message(self, count: int) -> str:
        end, start = self._read(), self.start
        backends = sum(
            cpu - start["postgres"].get(pid, 0.0) for pid, cpu in end["postgres"].items()
        )
        each = {
            "workers": end["workers"] - start["workers"],
            "postgres": backends,
            "sandbox": end["sandbox"] - start["sandbox"],
        }
        return ", ".join(f"{name} {seconds * 1000 / count:.2f}" for name, seconds in each.items())


FAILURES: list[str] = []


def exactly_once(sandbox, req_msg_ids) -> str:
    """Requests received per message; a miss or a repeat fails the run (exit status 1).

    A repeat is shown with the errors of its message's attempts: a call replayed after
    it got no answer in time is the protocol's at-least-once (same reqMsgId), a repeat
    without one would be a bug.
    """
    from b2bportal.network.models import DeliveryAttempt

    counts = Counter(r.req_msg_id for r in sandbox.received)
    twice = [i for i in req_msg_ids if counts[i] > 1]
    missed = sum(1 for i in req_msg_ids if counts[i] == 0)
    summary = (
        f"{len(req_msg_ids)} messages, {sum(counts.values())} requests received, "
        f"{len(req_msg_ids) - len(twice) - missed} exactly once, {len(twice)} twice or more, "
        f"{missed} never"
    )
    if twice or missed or set(counts) != set(req_msg_ids):
        errors = Counter(
            DeliveryAttempt.objects.filter(message__req_msg_id__in=twice)
            .exclude(error="")
            .values_list("error", flat=True)
        )
        summary += f" (errors of the repeated ones' attempts: {dict(errors)})"
        FAILURES.append(summary)
    return summary


def start_workers(count: int, concurrency: int, env: dict) -> list[subprocess.Popen]:
    from procrastinate.contrib.django.models import ProcrastinateWorker

    before = ProcrastinateWorker.objects.count()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
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
            ids = [decide(n).req_msg_id for n in range(messages)]
        meter = CpuMeter(sandbox, workers)
        started = time.perf_counter()
        sent = OutboundMessage.objects.filter(state="sent")
        deadline = time.monotonic() + 300
        while sent.count() < messages:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sent.count()} of {messages} sent in 300 s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        cpu = meter.per_message(messages)
    finally:
        stop_workers(workers)
    http_ms = DeliveryAttempt.objects.aggregate(ms=Avg("latency_ms"))["ms"]
    return messages / elapsed, http_ms, cpu, exactly_once(sandbox, ids)


def latency(samples: int, concurrency: int, env: dict, sandbox) -> tuple[list[float], str]:
    reset()
    sandbox.clear()
    workers = start_workers(1, concurrency, env)
    delays, ids = [], []
    try:
        time.sleep(1)  # the worker is idle, waiting on LISTEN
        for n in range(samples):
            ids.append(decide(n).req_msg_id)
            committed = time.time()
            [arrived] = sandbox.wait_for(n + 1, timeout=30)[n:]
            delays.append(arrived.at - committed)
            time.sleep(0.1)
    finally:
        stop_workers(workers)
    return delays, exactly_once(sandbox, ids)


def latency_under_load(count: int, concurrency: int, rate: float, seconds: float,
                       generators: int, env: dict, sandbox):  # fmt: skip
    """Decisions committed at `rate`/s in all by `generators` processes while workers run.

    Each generator commits a small transaction every 20 ms (its share of the rate); one
    process could not: a decision costs its process a few ms of CPU and round trips.
    """
    reset()
    sandbox.clear()
    workers = start_workers(count, concurrency, env)
    command = [sys.executable, __file__, "--load-client", str(rate / generators), str(seconds)]
    committed_at: dict[str, float] = {}
    try:
        clients = [
            subprocess.Popen(
                [*command, str(k)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for k in range(generators)
        ]
        if any(client.stdout.readline().strip() != "ready" for client in clients):
            raise SystemExit("a load generator did not start")
        time.sleep(1)  # the workers idle, waiting on LISTEN
        for client in clients:
            client.stdin.write("go\n")
            client.stdin.flush()
        for client in clients:
            committed_at.update(json.loads(client.stdout.readline()))
            if client.wait(timeout=60):
                raise SystemExit("a load generator failed")
        received = sandbox.wait_for(len(committed_at), timeout=120)
        finished = max(r.at for r in received)
    finally:
        stop_workers(workers)
    delays = sorted(r.at - committed_at[r.req_msg_id] for r in sandbox.received)
    first, last = min(committed_at.values()), max(committed_at.values())
    offered_rate = len(committed_at) / (last - first)  # what the generators managed
    delivered_rate = len(committed_at) / (finished - first)
    return delays, offered_rate, delivered_rate, exactly_once(sandbox, list(committed_at))


def load_client(rate: float, seconds: float, index: int) -> None:
    """One load generator: decisions at `rate`/s for `seconds`, a transaction every 20 ms;
    prints each one's reqMsgId and commit time (JSON) at the end."""
    import django

    django.setup()
    from django.db import transaction

    from b2bportal.network import outbox

    print("ready", flush=True)
    sys.stdin.readline()
    committed_at: dict[str, float] = {}
    tick, n, first = 0.02, 0, index * 10**6
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = max(int(rate * (elapsed + tick)) - n, 0)
        with transaction.atomic():  # the decisions of a tick, as one request would
            batch = [
                outbox.enqueue("invoice.confirm", confirmation(first + n + i),
                               object_id=f"INV{first + n + i:032d}").req_msg_id
                for i in range(due)
            ]  # fmt: skip
        committed_at.update(dict.fromkeys(batch, time.time()))
        n += len(batch)
        time.sleep(max(started + (n / rate) - time.monotonic(), 0))
    print(json.dumps(committed_at), flush=True)


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(int(len(ordered) * fraction) - 1, 0)]


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages: how shared the run's cores were."""
    return " ".join(f"{each:.2f}" for each in os.getloadavg())


def main() -> int:
    if sys.argv[1:2] == ["--load-client"]:
        load_client(float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        return 0
    if sys.argv[1:2] == ["--floor-client"]:
        floor_client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--concurrency", type=int, default=2, help="run_worker --concurrency")
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--load-rate", type=float, default=500)
    parser.add_argument("--load-seconds", type=float, default=5)
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16, help="ENKASH_DELIVERY_BATCH_SIZE")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",")]

    base_url = base_database_url()
    recreate_database(base_url, BENCH_DB)
    database_url = with_database(base_url, BENCH_DB)
    env = production_env(database_url)
    env.update(
        ENKASH_CLIENT_ID=CLIENT_ID,
        ENKASH_CLIENT_SECRET=CLIENT_SECRET,
        ENKASH_CONNECT_TIMEOUT="5",
        ENKASH_READ_TIMEOUT="15",  # the defaults: a loaded machine must not make timeouts
        ENKASH_DELIVERY_BATCH_SIZE=str(args.batch),
        ENKASH_WORKER_CONCURRENCY=str(args.concurrency),
    )
    sandbox = SandboxProcess().start()
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
            f"listen_notify={settings.PROCRASTINATE_WORKER_DEFAULTS['listen_notify']}, "
            f"batch {settings.ENKASH_DELIVERY_BATCH_SIZE}, load average {load_average()}"
        )
        most = max(counts)

        def measure_floor() -> float:
            # Measured again right before each phase: on a shared machine the floor
            # moves from one minute to the next, and a ratio is fair only when paired.
            rate = floor(most, args.concurrency, args.batch, args.messages, sandbox)
            print(
                f"  floor: {most} bare client(s) x {args.concurrency} threads x {args.batch} calls "
                f"at once straight to the sandbox: {rate:7.1f} calls/s"
            )
            return rate

        for count in counts:
            floor_rate = measure_floor()
            rate, http_ms, cpu, once = throughput(
                count, args.concurrency, args.messages, env, sandbox
            )
            print(
                f"  {count} worker(s) x concurrency {args.concurrency}: {rate:7.1f} deliveries/s "
                f"= {rate / floor_rate:.2f} of the floor (HTTP call {http_ms:.1f} ms avg)\n"
                f"    CPU ms per delivery: {cpu} (floor, per call: {FLOOR_CPU})\n"
                f"    exactly once: {once}"
            )
        floor_rate = measure_floor()
        delays, offered, rate, once = latency_under_load(
            most,
            args.concurrency,
            args.load_rate,
            args.load_seconds,
            args.load_processes,
            env,
            sandbox,
        )
        print(
            f"  commit -> request at EnKash under load ({args.load_rate:.0f} decisions/s asked "
            f"for {args.load_seconds:.0f} s, {offered:.0f}/s offered, "
            f"{most} workers): delivered {rate:.1f}/s "
            f"= {rate / floor_rate:.2f} of the floor; p50 {percentile(delays, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(delays, 0.95) * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms "
            f"(target p95 < 1000 ms: {'met' if percentile(delays, 0.95) < 1 else 'NOT met'})\n"
            f"    exactly once: {once}"
        )
        delays, once = latency(args.latency_samples, args.concurrency, env, sandbox)
        delays.sort()
        p95 = percentile(delays, 0.95)
        print(
            f"  commit -> request at EnKash, idle queue, {len(delays)} decisions: "
            f"p50 {statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {delays[-1] * 1000:.0f} ms (target p95 < 1000 ms: {'met' if p95 < 1 else 'NOT met'})\n"
            f"    exactly once: {once}"
        )
    finally:
        sandbox.stop()
        from django.db import connections

        connections.close_all()
        recreate_database(base_url, BENCH_DB, drop_only=True)
    print(f"load average at the end: {load_average()}")
    if FAILURES:
        print("NOT every message delivered exactly once:", *FAILURES, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

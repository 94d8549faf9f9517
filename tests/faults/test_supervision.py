"""Workers supervise themselves: a database restart, a killed worker, a burst of requests."""

import concurrent.futures
import os
import signal
import threading
import time

import httpx

from b2bportal import stack
from b2bportal.processes import free_port, wait_until_answers
from tests.live import wait_until

from .conftest import process_env

RECOVER_TASK = "network.recover_outbound"


def live_workers(pg) -> set[int]:
    """Workers whose heartbeat is fresh (they beat every 0.5 s here)."""
    rows = pg.query(
        "SELECT id FROM procrastinate_workers WHERE last_heartbeat > now() - interval '2 seconds'"
    )
    return {row[0] for row in rows}


def recovery_runs_since(pg, epoch: float) -> int:
    """Runs of the every-second recovery task scheduled after `epoch` that succeeded."""
    return pg.scalar(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s AND status = 'succeeded' "
        "AND (args->>'timestamp')::bigint > %s",
        [RECOVER_TASK, int(epoch)],
    )


def test_the_worker_survives_a_database_restart(private_postgres, start_process):
    pg = private_postgres
    env = {**process_env(pg.url), "PROCRASTINATE_DELETE_JOBS": "never"}
    worker = start_process(stack.worker_command(), env, "worker")
    before = wait_until(lambda: live_workers(pg), 30)

    pg.restart(down_seconds=3)
    back = time.time()

    # The same process registers again and runs jobs again (the recovery task, which
    # its periodic deferrer queues every second).
    wait_until(lambda: live_workers(pg) - before, 30)
    wait_until(lambda: recovery_runs_since(pg, back) >= 2, 30)
    assert worker.poll() is None
    log = (start_process.logs / "worker.log").read_text()
    assert "starting it again" in log


def test_make_run_starts_a_killed_worker_again(private_postgres, start_process):
    pg = private_postgres
    worker = stack.Child("worker", stack.worker_command(), process_env(pg.url), restart=True)
    stopping = threading.Event()
    keeper = threading.Thread(
        target=stack.keep_running, args=([worker], stopping.is_set), daemon=True
    )
    keeper.start()
    try:
        first = wait_until(lambda: live_workers(pg), 30)
        killed = worker.process.pid
        os.killpg(killed, signal.SIGKILL)

        second = wait_until(lambda: live_workers(pg) - first, 30)
        assert worker.process.pid != killed
        assert worker.process.poll() is None
        assert len(second) == 1
    finally:
        stopping.set()
        keeper.join(30)
    assert worker.process.poll() is not None  # stopped with make run


def test_a_burst_of_requests_leaves_no_database_connections_open(private_postgres, start_process):
    pg = private_postgres
    port = str(free_port())
    env = stack.server_env(process_env(pg.url))
    server = start_process([*stack.server_command(port), "--skip-checks"], env, "server")
    base = f"http://127.0.0.1:{port}"
    wait_until_answers(base + "/healthz", 60, interval=0.2, process=server)

    def probe(_):
        return httpx.get(base + "/healthz", timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(probe, range(50)))

    assert codes == [200] * 50
    # Each request's connection is closed when it ends (the last may still be closing).
    wait_until(lambda: pg.connections() == 0, 5)
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200

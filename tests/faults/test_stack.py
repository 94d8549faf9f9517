"""`make run` keeps its server and worker: one that dies is started again, with backoff."""

import os
import sys
import time

from b2bportal import stack
from b2bportal.network.supervision import restart_delay


def exited_child(restart: bool) -> stack.Child:
    child = stack.Child("quick", [sys.executable, "-c", "pass"], dict(os.environ), restart)
    child.start()
    child.process.wait()
    return child


def test_a_dead_child_is_started_again_after_a_doubling_delay():
    child = exited_child(restart=True)
    first = child.process.pid
    now = time.monotonic()

    assert child.check(now) is True
    assert (child.process, child.restart_at, child.deaths_in_a_row) == (None, now + 1.0, 1)
    assert child.check(now + 0.5) is True and child.process is None  # still waiting
    assert child.check(now + 1.0) is True
    assert child.process is not None and child.process.pid != first

    child.process.wait()
    later = time.monotonic()
    assert child.check(later) is True
    assert (child.restart_at, child.deaths_in_a_row) == (later + 2.0, 2)


def test_a_child_not_to_restart_stops_make_run():
    child = exited_child(restart=False)
    assert child.check(time.monotonic()) is False


def test_the_worker_restart_delay_doubles_up_to_its_cap():
    assert [restart_delay(n, 0.5, 4.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_server_started_before_the_others_is_kept_not_started_twice():
    server = stack.Child(
        "web server", [sys.executable, "-c", "import time; time.sleep(30)"], dict(os.environ), True
    )
    server.start()
    first = server.process
    stack.keep_running([server], lambda: True)
    assert server.process is first  # the same process, stopped with the rest
    assert first.poll() is not None


def test_waiting_for_the_server_ends_when_it_exits():
    server = exited_child(restart=True)
    started = time.monotonic()
    stack.wait_until_serving("http://127.0.0.1:9/healthz", server, lambda: False, timeout=30)
    assert time.monotonic() - started < 5

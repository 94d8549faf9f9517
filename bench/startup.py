"""Start-up benchmark: `make run` from launch to serving, on a warm checkout.

    .venv/bin/python bench/startup.py [--runs 3] [--timeout 120] [--command "make run"]

Each run starts the command (by default `make --no-print-directory run`, what a
developer types) in a process group of its own, with a free PORT and SANDBOX_PORT,
and times from launch to:

- each start-up step `make run` reports on its output ("make run: PostgreSQL up
  after 1.2 s" and the like: PostgreSQL up, migrations done, server answering, demo
  accounts ready, worker and sandbox launched), timed here when the line arrives;
- the first 200 from `/healthz` (the target: under 15 s warm);
- the admin login page answering 200;
- a worker alive (`/healthz?deep=1` counting a worker heartbeat): the worker started.

It then stops the run as Ctrl-C would (SIGINT to its process group; SIGKILL to the
group after `--stop-timeout` seconds if anything is left), so the private PostgreSQL
is left as `make run` leaves it: stopped when nothing else uses it. Prints each run
and the median of each figure. "Warm" means installed and migrated: a first run on a
fresh checkout (or after new migrations) pays for those and is slower.
"""

import argparse
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from b2bportal.processes import free_port  # noqa: E402

STEP_LINE = re.compile(r"^make run: (?P<step>.+) after [0-9.]+ s$")
# The answers timed to the nearest 50 ms; the deep report (a few queries, and a 503
# logged each time while no worker is alive) more gently.
POLL_SECONDS = 0.05
DEEP_POLL_SECONDS = 0.5


class Output(threading.Thread):
    """Reads the run's output, keeping its last lines and when each step line arrived."""

    def __init__(self, stream, launched_at: float, echo: bool):
        super().__init__(daemon=True)
        self.stream = stream
        self.launched_at = launched_at
        self.echo = echo
        self.steps: dict[str, float] = {}
        self.tail: list[str] = []

    def run(self) -> None:
        for raw in self.stream:
            line = raw.decode(errors="replace").rstrip()
            found = STEP_LINE.match(line)
            if found:
                self.steps.setdefault(found["step"], time.monotonic() - self.launched_at)
            self.tail = [*self.tail[-40:], line]
            if self.echo:
                print(f"    | {line}", flush=True)


def first_answer(client: httpx.Client, url: str, until: float, accept, interval: float) -> bool:
    """Poll `url` until `accept(response)`; False when `until` (monotonic) passes first."""
    while time.monotonic() < until:
        try:
            if accept(client.get(url)):
                return True
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return False


def worker_alive(response: httpx.Response) -> bool:
    """A deep health report (200 or 503 when delivery counts as stalled) with a worker."""
    try:
        return response.json().get("workers_alive", 0) >= 1
    except ValueError:
        return False


def stop_group(process: subprocess.Popen, timeout: float) -> bool:
    """Ctrl-C to the run's process group; SIGKILL to it if not gone in `timeout` s.

    True when the run stopped on its own.
    """
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return True
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False


def one_run(command: list[str], timeout: float, stop_timeout: float, echo: bool) -> dict:
    """Start the command once; the seconds from launch to each step and answer."""
    port, sandbox_port = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "SANDBOX_PORT": str(sandbox_port)}
    base = f"http://127.0.0.1:{port}"
    launched_at = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = Output(process.stdout, launched_at, echo)
    output.start()
    figures: dict[str, float | None] = {}
    until = launched_at + timeout
    try:
        with httpx.Client(base_url=base, timeout=2) as client:
            for name, path, accept, interval in (
                ("/healthz 200", "/healthz", lambda r: r.status_code == 200, POLL_SECONDS),
                ("admin login 200", "/admin/login/", lambda r: r.status_code == 200, POLL_SECONDS),
                ("worker alive", "/healthz?deep=1", worker_alive, DEEP_POLL_SECONDS),
            ):
                answered = first_answer(client, path, until, accept, interval)
                figures[name] = time.monotonic() - launched_at if answered else None
    finally:
        stopped = stop_group(process, stop_timeout)
        output.join(timeout=5)
    if not stopped:
        print("  the run did not stop on SIGINT in time: its group was killed", flush=True)
    if figures["/healthz 200"] is None:
        print("\n".join(output.tail), flush=True)
    return {**output.steps, **figures}


def show(seconds: float | None) -> str:
    return "   -- " if seconds is None else f"{seconds:5.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait per run")
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    parser.add_argument("--command", default="make --no-print-directory run")
    parser.add_argument("--echo", action="store_true", help="print the run's own output")
    args = parser.parse_args()
    command = shlex.split(args.command)
    print(f"start-up of `{args.command}`, {args.runs} runs, load average {os.getloadavg()}")
    runs = []
    for number in range(1, args.runs + 1):
        figures = one_run(command, args.timeout, args.stop_timeout, args.echo)
        runs.append(figures)
        print(
            f"run {number}: "
            + ", ".join(f"{name} {show(seconds).strip()} s" for name, seconds in figures.items()),
            flush=True,
        )
    names = list(dict.fromkeys(name for figures in runs for name in figures))
    print(f"\nseconds from launch (median of {len(runs)}), load average {os.getloadavg()}")
    for name in names:
        values = [figures.get(name) for figures in runs]
        known = [value for value in values if value is not None]
        median = statistics.median(known) if len(known) == len(values) else None
        each = " ".join(show(value) for value in values)
        print(f"  {name:<30} {show(median)}   (runs: {each})")
    serving = [figures.get("/healthz 200") for figures in runs]
    return 0 if all(value is not None for value in serving) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Servers and workers run as child processes: a free port, waiting for an answer, the CPU
a process has used, stopping.

Used by `make run` (b2bportal/stack.py), the tests that start real servers and
workers, and the benchmarks. Standard library and httpx only, no Django: callers
use it before Django is set up.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_answers(
    url: str,
    timeout: float = 120.0,
    *,
    interval: float = 0.5,
    process: subprocess.Popen | None = None,
) -> None:
    """Wait until `GET url` answers 200.

    Raises TimeoutError after `timeout` seconds, or RuntimeError as soon as `process`
    (the server expected to answer, when given) has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process to answer {url} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200 in {timeout:.0f}s")
        time.sleep(interval)


def _signal(process: subprocess.Popen, signum: int) -> None:
    """Signal `process`, and its whole group when it leads one (start_new_session=True)."""
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)


def stop_processes(processes: list[subprocess.Popen], timeout: float = 10.0) -> None:
    """Stop the processes: SIGTERM to all at once, SIGKILL to any still there after `timeout`.

    A process started in a session of its own is stopped with everything it started
    (its process group), so no grandchild outlives it.
    """
    for process in processes:
        if process.poll() is None:
            _signal(process, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal(process, signal.SIGKILL)
            process.wait()

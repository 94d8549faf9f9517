"""`make run`: the whole back office on one machine, stopped together with Ctrl-C.

Prepares the database, then starts the web server while the demo accounts are created
and, once the server answers, the background worker and (unless ENKASH_BASE_URL is set)
the sandbox, as child processes (serving first: on a warm machine the server answers
within seconds of the migrations), and keeps the server and the worker running: one
that dies is started again, after a delay that doubles with each death in a row. The
private PostgreSQL (when DATABASE_URL is unset) lives as long as this process.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from b2bportal import localdb
from b2bportal.processes import stop_processes

MANAGE = [sys.executable, "manage.py"]
RESTART_BASE_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
STARTED_AT = time.monotonic()


def report_step(what: str) -> None:
    """Say how long start-up took to reach a step (bench/startup.py reads these lines)."""
    print(f"make run: {what} after {time.monotonic() - STARTED_AT:.1f} s", flush=True)


def use_sandbox(env: dict) -> str:
    """Point the app at the offline EnKash unless real EnKash variables are set.

    Returns the sandbox's URL, or "" when ENKASH_BASE_URL came from the environment.
    The credentials set here are development-only values the app and the sandbox share.
    """
    if env.get("ENKASH_BASE_URL"):
        return ""
    url = f"http://127.0.0.1:{env.get('SANDBOX_PORT', '8100')}"
    env["ENKASH_BASE_URL"] = url
    env.setdefault("ENKASH_CLIENT_ID", "dev-sandbox-client")
    env.setdefault("ENKASH_CLIENT_SECRET", "dev-sandbox-secret")
    # No signing secret by default: the token alone lets anyone try the webhooks with
    # curl; set ENKASH_WEBHOOK_SIGNING_SECRET and the sandbox signs what it sends.
    return url


def server_command(port: str) -> list[str]:
    """The web server of `make run`."""
    return [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"]


def server_env(env: dict) -> dict:
    """The web server's environment: no persistent database connections.

    runserver serves each request on a new thread, and (unlike the test server) never
    closes that thread's connection: with CONN_MAX_AGE > 0 every request of a burst
    left one open until the garbage collector found it, minutes later, and a burst of
    50 requests filled PostgreSQL's 100 slots. Closed after each request instead.
    """
    return {**env, "DB_CONN_MAX_AGE": "0"}


def worker_command() -> list[str]:
    """The supervised worker of `make run` (network/supervision.py).

    Two jobs at once: each already makes its batch's calls together, and more jobs
    only add call threads contending for one interpreter (bench/outbound_delivery.py).
    """
    return [*MANAGE, "run_worker", "--concurrency", "2"]


@dataclass
class Child:
    """A process `make run` keeps: how to start it, and whether to start it again."""

    name: str
    command: list[str]
    env: dict
    restart: bool
    process: subprocess.Popen | None = None
    deaths_in_a_row: int = 0
    restart_at: float = 0.0
    started_at: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        self.started_at = time.monotonic()

    def check(self, now: float) -> bool:
        """Start the process again if it died and may be restarted; False if it may not."""
        if self.process is None:
            if now >= self.restart_at:
                self.start()
            return True
        if self.process.poll() is None:
            return True
        if not self.restart:
            return False
        # A process that ran longer than the longest wait was healthy: start counting anew.
        if now - self.started_at > RESTART_MAX_SECONDS:
            self.deaths_in_a_row = 0
        delay = min(RESTART_BASE_SECONDS * 2**self.deaths_in_a_row, RESTART_MAX_SECONDS)
        self.deaths_in_a_row += 1
        print(
            f"{self.name} exited ({self.process.returncode}); starting it again in {delay:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        self.process = None
        self.restart_at = now + delay
        return True


def keep_running(children: list[Child], stopping, started=lambda: None) -> None:
    """Start the children and restart those that die until `stopping()` or a fatal exit.

    `started()` is called once every child has been started.
    """
    for child in children:
        if child.process is None:  # the web server is running already (`main`)
            child.start()
    started()
    try:
        while not stopping() and all(child.check(time.monotonic()) for child in children):
            time.sleep(0.3)
    finally:
        stop_processes([child.process for child in children if child.process], timeout=15)


def wait_until_serving(url: str, server: Child, stopping, timeout: float = 60.0) -> None:
    """Until `url` answers 200, the server exits, `stopping()`, or `timeout` seconds pass
    (then the rest starts all the same: a server that died is restarted as usual)."""
    deadline = time.monotonic() + timeout
    while not stopping() and server.process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env["DATABASE_URL"] = env.get("DATABASE_URL") or localdb.database_url()
    report_step("PostgreSQL up")
    # A development-only webhook token, so the webhooks are never open.
    env.setdefault("ENKASH_WEBHOOK_TOKEN", "dev-webhook-token")
    sandbox_url = use_sandbox(env)

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    # migrate also runs the system checks, so the web server skips them.
    subprocess.run([*MANAGE, "migrate", "--no-input"], env=env, check=True)
    report_step("migrations done")
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # The demo logins' passwords are hashed (seconds of CPU): done while the server starts.
    accounts = subprocess.Popen([*MANAGE, "demo_accounts"], env=env)
    server = Child(
        "web server", [*server_command(port), "--skip-checks"], server_env(env), restart=True
    )
    server.start()
    # The worker and the sandbox (each a Django start of its own) wait until the server
    # answers: on two cores they would otherwise delay its first answer by seconds.
    wait_until_serving(f"http://127.0.0.1:{port}/healthz", server, lambda: stopping)
    report_step("server answering")
    accounts.wait()
    report_step("demo accounts ready")
    children = [server, Child("worker", worker_command(), env, restart=True)]
    if sandbox_url:
        # The sandbox waits for the app's /healthz, registers our demo businesses and
        # plays the scenario through the real webhook paths. Not restarted: a new one
        # would play the scenario again.
        sandbox = [
            *MANAGE,
            "sandbox",
            "--port",
            sandbox_url.rsplit(":", 1)[1],
            "--app-url",
            f"http://127.0.0.1:{port}",
            "--scenario",
            env.get("SANDBOX_SCENARIO", "demo-day"),
            "--faults",
            env.get("SANDBOX_FAULTS", ""),
            "--seed",
            env.get("SANDBOX_SEED", "0"),
        ]
        children.append(Child("sandbox", sandbox, env, restart=False))
    print(
        f"\nB2B Portal is running: http://127.0.0.1:{port}/admin/\n"
        f"  API docs: http://127.0.0.1:{port}/api/docs/\n"
        + (
            f"  EnKash sandbox: {sandbox_url} (README: Sandbox; real EnKash: set ENKASH_BASE_URL)\n"
            if sandbox_url
            else f"  EnKash: {env['ENKASH_BASE_URL']}\n"
        )
        + f"  Webhooks: POST with header X-Webhook-Token: {env['ENKASH_WEBHOOK_TOKEN']}\n"
        + "  Logins: the demo accounts listed above (README: Quick start).\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    launched = lambda: report_step("worker and sandbox launched")  # noqa: E731
    keep_running(children, lambda: stopping, started=launched)
    return 0


if __name__ == "__main__":
    sys.exit(main())

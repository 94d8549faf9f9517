"""`make run`: the whole back office on one machine, stopped together with Ctrl-C.

Prepares the database, creates the demo accounts, then starts the web server and
the background worker as child processes. The private PostgreSQL (when DATABASE_URL
is unset) lives as long as this process.
"""

import os
import signal
import subprocess
import sys
import time

from b2bportal import localdb
from b2bportal.processes import stop_processes

MANAGE = [sys.executable, "manage.py"]


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


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env["DATABASE_URL"] = env.get("DATABASE_URL") or localdb.database_url()
    # A development-only webhook token, so the webhooks are never open.
    env.setdefault("ENKASH_WEBHOOK_TOKEN", "dev-webhook-token")
    sandbox_url = use_sandbox(env)

    subprocess.run([*MANAGE, "migrate", "--no-input"], env=env, check=True)
    subprocess.run([*MANAGE, "demo_accounts"], env=env, check=True)

    children = [
        subprocess.Popen(
            [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [*MANAGE, "procrastinate", "worker", "--concurrency", "4"],
            env=env,
            start_new_session=True,
        ),
    ]
    if sandbox_url:
        # The sandbox waits for the app's /healthz, registers our demo businesses and
        # plays the scenario through the real webhook paths.
        children.append(
            subprocess.Popen(
                [
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
                ],
                env=env,
                start_new_session=True,
            )
        )
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
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        stop_processes(children, timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())

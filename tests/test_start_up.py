"""What makes `make run` and `make test` start quickly stays in place (README: Start-up
and test speed). Speed itself is measured by bench/startup.py, never asserted here."""

import importlib.util
import sys
from pathlib import Path

import django
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from b2bportal import stack
from tests.conftest import TEMPLATE_PREFIX, migrations_digest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from startup import STEP_LINE  # noqa: E402  (bench/startup.py)


@pytest.mark.parametrize("module", [django, stack])
def test_the_dependencies_and_our_modules_are_compiled_ahead(module):
    """`make install` compiled them: no process compiles them again at each start."""
    compiled = Path(importlib.util.cache_from_source(module.__file__))
    assert compiled.is_file()
    assert compiled.stat().st_mtime >= Path(module.__file__).stat().st_mtime


def test_each_start_up_step_is_reported_in_the_line_the_bench_reads(capsys):
    stack.report_step("migrations done")

    line = capsys.readouterr().out
    assert line.endswith(" s\n")
    found = STEP_LINE.match(line.rstrip("\n"))
    assert found and found["step"] == "migrations done"


@pytest.mark.django_db
def test_the_test_database_is_a_copy_of_the_template_of_the_current_migrations():
    from django.conf import settings

    template = settings.DATABASES["default"]["TEST"]["TEMPLATE"]
    assert template == TEMPLATE_PREFIX + migrations_digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [template])
        assert cursor.fetchone() == (1,)
    # Nothing left to apply: the copy is as migrated as a migrate from nothing would make it.
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

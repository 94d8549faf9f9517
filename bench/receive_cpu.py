"""CPU one received document costs the process that receives it, for each family.

    .venv/bin/python -m b2bportal.localdb .venv/bin/python bench/receive_cpu.py [--documents 300]

Against a fresh database `b2bportal_bench_receive` on DATABASE_URL's server (or the
private PostgreSQL when DATABASE_URL is unset), with production settings: the same
signed 20-line invoices and purchase orders `inbox_load.py` sends, posted through
Django's test client to the real webhook view (authentication, record, checks, the
family's handler, the reply), one after another in this one process, after a warm-up.
Prints, per family, the process's CPU per document (user + system, so another
program's load on the machine changes it far less than wall time), the wall time and
the SQL statements per document. Drops its database at the end.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import inbox_load as load  # noqa: E402  (the bench's messages and database set-up)

BENCH_DB = "b2bportal_bench_receive"


def measure(client, make_request, count: int) -> tuple[float, float, float]:
    """(CPU ms, wall ms, statements) per document over `count` new documents."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    requests = [make_request() for _ in range(count)]
    cpu, wall = time.process_time(), time.perf_counter()
    for path, body, headers in requests:
        response = client.generic("POST", path, body, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]}")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    path, body, headers = make_request()
    with CaptureQueriesContext(connection) as captured:
        client.generic("POST", path, body, headers=headers)
    return cpu * 1000 / count, wall * 1000 / count, len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=300, help="per family")
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    base_url = load.base_database_url()
    load.recreate_database(base_url, BENCH_DB)
    os.environ.update(load.production_env(load.with_database(base_url, BENCH_DB)))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        print(load.make_parties_ours(dict(os.environ)))
        client = Client(SERVER_NAME="127.0.0.1")
        families = {"invoice": load.inbox_request, "purchase order": load.order_request}
        for make_request in families.values():
            measure(client, make_request, args.warmup)
        for name, make_request in families.items():
            cpu, wall, statements = measure(client, make_request, args.documents)
            print(f"{name:15} {args.documents} documents: CPU {cpu:6.2f} ms each, "
                  f"wall {wall:6.2f} ms, {statements} statements")  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        load.recreate_database(base_url, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    main()

"""Load benchmark of the webhook inbox, beside a floor measured in the same run.

    .venv/bin/python bench/inbox_load.py [--senders 16] [--requests 3000] [--rounds 4]
                                         [--workers N]

Starts the production server setup (gunicorn, DEBUG=0, production settings) on a free
loopback port against a fresh database `b2bportal_bench_inbox` on DATABASE_URL's
server (or the private PostgreSQL when DATABASE_URL is unset), then runs four phases
with N concurrent senders, each a bounded number of requests:

- floor: the same gunicorn answering a bench-only view that only inserts the raw body
  (bench/inbox_urls.py; never in the product's urls);
- inbox: signed, realistic credit notes (`cd-note/req-send`: the network invoice of
  the EnKash page with 20 line items, as the note's sections) on a path no app handles
  yet: the inbox's own path (record, authenticate, verify the signature, parse, lock,
  de-duplicate, acknowledge as awaiting handler);
- inbox+outbox match: the invoice as the network's result of a send of ours
  (`resp-send-invoice`, with a `resp` block) matching no request of ours: the inbox
  plus the outbox's three look-ups, no document handler;
- inbox+invoice handler: the same invoice as `req-send-invoice`, addressed to a buyer
  B2B ID registered as ours, so the invoices app's handler creates a new invoice each
  time (when that app is installed; otherwise it is answered as it is);
- inbox+order handler: a purchase order with the same parties and 20 lines
  (`purchase-order/req-send`), sent by a buyer to a supplier B2B ID registered as ours,
  so the purchase orders app's handler creates a new order each time.

Every document phase counts end to end: the reply is sent once the document is fully
processed (visible in the API with its version, lines, findings and history).

Prints throughput and p50/p99 latency of each, the CPU the web workers and their
PostgreSQL backends spent per request (read from /proc: far steadier than wall time on
a machine doing other work), the ratios to the floor, and the outcome counts of what the inbox recorded, and the SQL statements one received invoice
and one received purchase order cost (counted with Django's test client before the
phases run). Target: inbox at least
half the floor's throughput and p99 under 100 ms at 16 senders. Stops by itself; drops its database at the end.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from b2bportal.network import envelope  # noqa: E402  (pure functions, no Django)
from b2bportal.processes import (  # noqa: E402
    cpu_seconds,
    free_port,
    stop_processes,
    wait_until_answers,
)
from b2bportal.sandbox.webhooks import auth_headers  # noqa: E402

BENCH_DB = "b2bportal_bench_inbox"
TOKEN = "bench-webhook-token-" + "q" * 20
SECRET = "whsec_YmVuY2gtc2lnbmluZy1zZWNyZXQtMDEyMzQ1Njc4OQ=="
INVOICE_PATH = "/api/v0/invoice/req-send-invoice"
RESULT_PATH = "/api/v0/invoice/resp-send-invoice"
NOTE_PATH = "/api/v0/cd-note/req-send"
ORDER_PATH = "/api/v0/purchase-order/req-send"
BUYER, SUPPLIER = "BUYER-BENCH-1", "SUPPLIER-BENCH-1"
# Purchase orders are received by their supplier: a supplier of ours, a buyer that is not.
ORDER_BUYER, ORDER_SUPPLIER = "BUYER-BENCH-PO", "SUPPLIER-BENCH-PO"
BUYER_GSTIN, SUPPLIER_GSTIN = "27AAACB2230M1Z2", "27AABCS1429B1Z1"
FLOOR_PATH = "/bench/floor"


def party(b2b_id: str, gstin: str, name: str) -> dict:
    return {
        "b2bId": b2b_id,
        "gstin": gstin,
        "legalName": f"{name} Private Limited",
        "tradeName": name,
        "stateCode": "27",
        "placeOfSupply": "27",
        "address": {"type": "REGISTERED", "addressLine1": "Plot 14, MIDC Industrial Area",
                    "addressLine2": "Andheri East", "city": "Mumbai", "state": "Maharashtra",
                    "country": "IN", "pincode": "400093"},
        "contactNumber": {"type": "WORK", "countryCode": "+91", "phoneNumber": "2240001234"},
        "email": f"accounts@{name.lower()}.example.in",
    }  # fmt: skip


def item(n: int) -> dict:
    quantity, price = 10 + n, 125.5 + n
    taxable = round(quantity * price, 2)
    return {
        "serialno": str(n),
        "productDescription": f"Stainless steel fastener, grade A{n}",
        "isService": "N",
        "hsnCode": "73181500",
        "barCode": f"8901234{n:06d}",
        "quantity": quantity,
        "freeQuantity": 0,
        "unit": "NOS",
        "unitPrice": price,
        "totalAmt": taxable,
        "assessmentAmount": taxable,
        "gstRate": 18,
        "totalItemValue": round(taxable * 1.18, 2),
        "orderLineReference": f"PO-LINE-{n}",
        "originCountry": "IN",
        "productSerialNumber": f"SN-{n:05d}",
        "itemValueDetails": [{"type": "CGST", "value": round(taxable * 0.09, 2)},
                             {"type": "SGST", "value": round(taxable * 0.09, 2)}],
        "rates": [{"type": "CGST", "value": 9}, {"type": "SGST", "value": 9}],
        "batchDetails": {"batchNumber": f"B{n:04d}", "expiryDate": "2028-03-31",
                         "batchWarrantyDate": "2027-03-31"},
        "attributeDetails": [{"name": "finish", "value": "zinc"}],
        "otherTaxes": [],
    }  # fmt: skip


def invoice_message(buyer: str, supplier: str) -> dict:
    """A new invoice, shaped like the network invoice of the EnKash page, 20 line items."""
    object_id = "INV" + uuid.uuid4().hex
    items = [item(n) for n in range(1, 21)]
    assessable = round(sum(i["assessmentAmount"] for i in items), 2)
    total = round(sum(i["totalItemValue"] for i in items), 2)
    return {
        "b2bIds": {"buyerB2BId": buyer, "supplierB2BId": supplier},
        "invoice": {
            "objectId": object_id,
            "supplierInvoiceNumber": "SUP/" + object_id[-10:],
            "objectVersion": {"currentVersion": 0, "newVersion": 1},
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S+05:30"),
            "statusTransition": {"currentStatus": "CREATED", "newStatus": "SENT_TO_BUYER"},
            "transactionDetails": {"taxScheme": "GST", "supplyType": "B2B",
                                   "reverseChargeTax": "N", "igstChargable": "N",
                                   "ecommerceGstin": ""},
            "supplierDetails": party(supplier, SUPPLIER_GSTIN, "Suppliers"),
            "buyerDetails": party(buyer, BUYER_GSTIN, "Buyers"),
            "itemLists": items,
            "valueDetails": {"assessmentValue": assessable, "totalInvoiceValue": total,
                             "otherValues": []},
            "supplierBankAccountDetails": {"maskedAccountNumber": "XXXXXX4321",
                                           "ifsc": "HDFC0000123",
                                           "beneficiaryName": "Suppliers Private Limited",
                                           "businessVPA": "suppliers@hdfcbank"},
            "invoiceReferenceDetails": {"invoiceRemarks": "Monthly supply",
                                        "invoiceStartDate": "2026-11-01",
                                        "invoiceEndDate": "2026-11-30"},
            "poDetails": [{"poObjId": "POR" + "0" * 32, "buyerPoId": "PO-2026-0042",
                           "poDate": "2026-10-28"}],
        },
        "additionalInfos": [{"name": "reqMsgId", "value": uuid.uuid4().hex}],
    }  # fmt: skip


def base_database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from b2bportal import localdb

    return localdb.database_url()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def production_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("B2BPORTAL_TESTING", "DEBUG")}
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-" + "z" * 40,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback; production sits behind TLS
        ENKASH_WEBHOOK_TOKEN=TOKEN,
        ENKASH_WEBHOOK_SIGNING_SECRET=SECRET,
        DJANGO_SETTINGS_MODULE="b2bportal.settings",
        LOG_LEVEL="ERROR",  # no line per 4xx: the console is not what is measured
    )
    return env


def make_parties_ours(env: dict) -> str:
    """Register the invoices' buyer and the orders' supplier as our businesses, when the
    parties app is there."""
    script = (
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "try:\n"
        "    Business = apps.get_model('parties', 'Business')\n"
        "except LookupError:\n"
        "    print('no parties app: documents measured as they are answered'); raise SystemExit\n"
        f"Business.objects.get_or_create(b2b_id='{BUYER}', defaults=dict(gstin='{BUYER_GSTIN}',"
        " legal_name='Buyers Private Limited'))\n"
        f"Business.objects.get_or_create(b2b_id='{ORDER_SUPPLIER}', defaults=dict("
        f"gstin='{SUPPLIER_GSTIN}', legal_name='Suppliers Private Limited'))\n"
        f"print('buyer {BUYER} and supplier {ORDER_SUPPLIER} registered as ours')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return (result.stdout.strip() or result.stderr.strip()[-300:]).splitlines()[-1]


def wait_ready(port: int, server: subprocess.Popen, timeout: float = 300) -> None:
    # Generous: on a busy machine, workers importing the project take a while to answer.
    try:
        wait_until_answers(
            f"http://127.0.0.1:{port}/healthz", timeout, interval=0.2, process=server
        )
    except RuntimeError:
        raise SystemExit("gunicorn exited; see its output above") from None
    except TimeoutError:
        raise SystemExit("gunicorn did not become ready") from None


def server_processes(server_pid: int, database_url: str) -> dict[str, list[int]]:
    """The gunicorn workers (children of the master) and the PostgreSQL backends serving
    the bench's database."""
    import psycopg

    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return {"web": [int(pid) for pid in children], "postgres": [pid for (pid,) in backends]}


def cpu_by_part(processes: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    return {part: {pid: cpu_seconds(pid) for pid in pids} for part, pids in processes.items()}


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part spent between two readings (a process gone by the second is
    not counted: a lower bound)."""
    return {
        part: sum(
            cpu - before[part].get(pid, 0.0)
            for pid, cpu in after[part].items()
            if cpu >= before[part].get(pid, 0.0)
        )
        for part in after
    }


def run_phase(port: int, senders: int, total: int, make_request) -> dict:
    """`total` requests from `senders` threads; latency of each, status counts, wall time."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_sender = total // senders
    barrier = threading.Barrier(senders + 1)
    deadline = time.monotonic() + 600  # never more than ten minutes, whatever happens

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, counts = [], {}
        barrier.wait()
        for _ in range(per_sender):
            if time.monotonic() > deadline:
                break
            path, body, headers = make_request()
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            mine.append(time.perf_counter() - start)
            counts[status] = counts.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, n in counts.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "wall": time.perf_counter() - started, "statuses": statuses}


def measured_phase(port, senders, total, make_request, server_pid, database_url) -> dict:
    """`run_phase`, with the CPU the web workers and their database backends spent on it."""
    before = cpu_by_part(server_processes(server_pid, database_url))
    run = run_phase(port, senders, total, make_request)
    # Read again: a process started during the phase (a new connection's backend) spent
    # all its CPU on it.
    run["cpu"] = cpu_spent(before, cpu_by_part(server_processes(server_pid, database_url)))
    return run


def summary(runs: list[dict]) -> dict:
    """One phase over its rounds: throughput over the summed wall time, latency percentiles."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    statuses: dict[int, int] = {}
    for run in runs:
        for status, n in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    cpu = {part: sum(run["cpu"][part] for run in runs) for part in runs[0]["cpu"]}
    return {
        "cpu_ms": {part: seconds * 1000 / len(latencies) for part, seconds in cpu.items()},
        "requests": len(latencies),
        "throughput": len(latencies) / sum(run["wall"] for run in runs),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "statuses": dict(sorted(statuses.items())),
    }


def floor_request():
    body = json.dumps(invoice_message(BUYER, SUPPLIER)).encode()
    return FLOOR_PATH, body, {"Content-Type": "application/json", "X-Webhook-Token": TOKEN}


def signed(body: bytes) -> dict:
    """The headers EnKash (here: the sandbox's sender) authenticates a webhook with."""
    return auth_headers(body, token=TOKEN, signing_secret=SECRET)


def inbox_request():
    body = json.dumps(invoice_message(BUYER, SUPPLIER)).encode()
    return INVOICE_PATH, body, signed(body)


def note_request():
    """A credit note: the invoice's sections under `cdNote` (PROTOCOL §3), on a path no
    handler serves yet: the inbox's own work (recorded, acknowledged, awaiting handler)."""
    message = invoice_message(BUYER, SUPPLIER)
    note = message.pop("invoice")
    note["objectId"] = "CDN" + note["objectId"][3:]
    note.update(noteType="CREDIT", supplierCDNoteNumber="CN/" + note["objectId"][-10:],
                cdNoteStatusTransition=note.pop("statusTransition"),
                precedingInvoiceDetails=[{"invoiceNumber": "SUP/2026/0042",
                                          "date": "2026-11-02", "otherReferenceNo": ""}])  # fmt: skip
    message["cdNote"] = note
    body = json.dumps(message).encode()
    return NOTE_PATH, body, signed(body)


def order_message() -> dict:
    """A new purchase order from a buyer to our supplier: the invoice's parties and 20
    lines, in the `purchaseOrder` block (PROTOCOL §3)."""
    message = invoice_message(ORDER_BUYER, ORDER_SUPPLIER)
    invoice = message.pop("invoice")
    object_id = "POR" + invoice["objectId"][3:]
    values = invoice["valueDetails"]
    message["purchaseOrder"] = {
        "objectId": object_id,
        "buyerPONumber": "PO/" + object_id[-10:],
        "ts": invoice["ts"],
        "orderDate": "2026-11-20",
        "deliveryDate": "2026-12-20",
        "subject": "Fasteners for the December run",
        "objectVersion": {"currentVersion": 0, "newVersion": 1},
        "poStatusTransition": {"currentStatus": "CREATED", "newStatus": "SENT_TO_SUPPLIER"},
        "supplierDetails": invoice["supplierDetails"],
        "buyerDetails": invoice["buyerDetails"],
        "itemLists": invoice["itemLists"],
        "poValueDetails": {"assessmentValue": values["assessmentValue"],
                           "totalPOValue": values["totalInvoiceValue"], "otherValues": []},
    }  # fmt: skip
    return message


def order_request():
    body = json.dumps(order_message()).encode()
    return ORDER_PATH, body, signed(body)


def result_request():
    """The network's result of a send of ours (resp-send-invoice: the same invoice and a resp
    block), matching no request of ours: the inbox's whole path, no document handler."""
    message = invoice_message(BUYER, SUPPLIER)
    del message["additionalInfos"]
    message["resp"] = envelope.resp_block(uuid.uuid4().hex)
    body = json.dumps(message).encode()
    return RESULT_PATH, body, signed(body)


STATEMENTS_SCRIPT = """
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(SERVER_NAME="127.0.0.1")
def send():
    body = sys.stdin.readline().rstrip().encode()
    headers = json.loads(sys.stdin.readline())
    return client.generic("POST", %(path)r, body, headers=headers)
send()  # a first one warms caches (content types) and meets the new supplier
with CaptureQueriesContext(connection) as captured:
    status = send().status_code
print(f"{len(captured)} statements (HTTP {status})")
"""


def statements_per_document(env: dict, path: str, make_request) -> str:
    """The statements one received document costs, counted through Django's test client
    in a process of its own (the second of two from the same sender)."""
    script = STATEMENTS_SCRIPT % {"path": path}
    lines = []
    for _ in range(2):
        _, body, headers = make_request()
        lines += [body.decode(), json.dumps(headers)]
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            input="\n".join(lines) + "\n", capture_output=True, text=True)  # fmt: skip
    return result.stdout.strip() or result.stderr.strip()[-500:]


def outcome_counts(env: dict) -> str:
    script = (
        "import django; django.setup()\n"
        "from django.db.models import Count\n"
        "from b2bportal.network.models import InboundMessage as M\n"
        "rows = M.objects.exclude(path='/bench/floor').values_list('outcome', 'error_code')"
        ".annotate(n=Count('id')).order_by('outcome')\n"
        "print(', '.join(f'{o}{(\" \" + c) if c else \"\"}: {n}' for o, c, n in rows))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return result.stdout.strip() or result.stderr.strip()[-500:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000, help="per phase")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated phases, e.g. floor,inbox")
    parser.add_argument("--rounds", type=int, default=4, help="phases take turns this often")
    args = parser.parse_args()

    base_url = base_database_url()
    database_url = with_database(base_url, BENCH_DB)
    recreate_database(base_url, BENCH_DB)
    env = production_env(database_url)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    print(make_parties_ours(env))
    print(
        "statements per invoice (req-send-invoice, 20 lines):",
        statements_per_document(env, INVOICE_PATH, inbox_request),
    )
    print(
        "statements per purchase order (purchase-order/req-send, 20 lines):",
        statements_per_document(env, ORDER_PATH, order_request),
    )
    port = free_port()
    gunicorn = [str(Path(python).parent / "gunicorn"), "--pythonpath", str(ROOT / "bench"),
                "inbox_wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
                str(args.workers), "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        wait_ready(port, server)
        print(f"gunicorn: {args.workers} sync workers, DEBUG=0, 127.0.0.1:{port}; "
              f"{args.senders} senders, {args.requests} requests per phase in {args.rounds} rounds; "
              f"body {len(inbox_request()[1])} bytes (20 line items)")  # fmt: skip
        phases = {
            "floor": floor_request,
            "inbox": note_request,  # the inbox's own work: no handler for notes yet
            "inbox+outbox match": result_request,  # an invoice result matching no request
            "inbox+invoice handler": inbox_request,  # a new invoice created per message
            "inbox+order handler": order_request,  # a new purchase order per message
        }
        if args.only:
            phases = {name: make for name, make in phases.items() if name in args.only.split(",")}
        for make in phases.values():
            run_phase(port, args.senders, args.warmup, make)
        # Phases take turns, round after round, so a neighbour's load on the machine
        # falls on all of them alike.
        runs: dict[str, list] = {name: [] for name in phases}
        for _ in range(args.rounds):
            for name, make in phases.items():
                runs[name].append(measured_phase(port, args.senders, args.requests // args.rounds,
                                                 make, server.pid, database_url))  # fmt: skip
        results = {name: summary(phase_runs) for name, phase_runs in runs.items()}
        for name, r in results.items():
            print(f"{name:21} {r['requests']:6d} req {r['throughput']:8.1f} req/s  "
                  f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                  f"CPU ms/req web {r['cpu_ms']['web']:5.2f} postgres {r['cpu_ms']['postgres']:5.2f}  "
                  f"HTTP {r['statuses']}")  # fmt: skip
        floor = results["floor"]["throughput"]
        for name in list(results)[1:]:
            ratio = results[name]["throughput"] / floor
            p99 = results[name]["p99_ms"]
            met = ratio >= 0.5 and p99 < 100
            print(
                f"{name}: {ratio:.2f} of the floor's throughput (target >= 0.50), p99 "
                f"{p99:.1f} ms (target < 100 at 16 senders): {'MET' if met else 'NOT MET'}"
            )
        print("inbox outcomes:", outcome_counts(env))
    finally:
        stop_processes([server], timeout=30)
        recreate_database(base_url, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    main()

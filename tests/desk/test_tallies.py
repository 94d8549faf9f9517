"""The home page's tallies: kept by the database as documents change, folded, recounted.

Each test compares `desk_tally` with sums computed here in Python from the documents
themselves, an oracle apart from the SQL that keeps the tally.
"""

import io
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from procrastinate.contrib.django import app

from b2bportal.desk import tallies
from b2bportal.desk.families import FAMILIES
from b2bportal.desk.models import KEY, Tally
from b2bportal.network.models import OutboundMessage
from invoices.models import Invoice
from purchase_orders.models import PurchaseOrder

INVOICES = "invoices_invoice"


def kept(table: str = INVOICES) -> dict:
    """{key: (count, value)} the tally holds for `table`, keys summing to nothing left out."""
    sums: dict = {}
    for row in Tally.objects.filter(document_table=table).values(*KEY, "count", "value"):
        key = tuple(row[name] for name in KEY)
        count, value = sums.get(key, (0, Decimal(0)))
        sums[key] = (count + row["count"], value + row["value"])
    return {key: sums for key, sums in sums.items() if sums != (0, Decimal(0))}


def counted(model=Invoice, date_field="invoice_date", due_field="due_date") -> dict:
    """{key: (count, value)} of the documents as they are, computed in Python."""
    table = model._meta.db_table
    counts, values = Counter(), Counter()
    for document in model.objects.all():
        unsent = document.pending_message_id is None
        keys = [
            ("date", document.role, getattr(document, date_field), None, unsent),
            ("due", "", getattr(document, due_field), None, None),
            ("party", "", None, document.counterparty_id, None),
        ]  # fmt: skip
        for kind, role, day, counterparty_id, unsent in keys:
            key = (table, kind, role, document.status, day, counterparty_id, unsent)
            counts[key] += 1
            values[key] += document.total_value
    return {key: (counts[key], values[key]) for key in counts}


def test_every_family_keeps_a_tally_of_its_table(db):
    with connection.cursor() as cursor:
        for family in FAMILIES:
            table = family.model._meta.db_table
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            names = {name for (name,) in cursor.fetchall()}
            assert {f"desk_tally_{table}_{op}" for op in ("insert", "update", "delete")} <= names


def test_creating_changing_and_deleting_documents_keeps_the_tally(make_invoice):
    today = timezone.localdate()
    first = make_invoice(total="1000.00", age_days=3, due_in_days=2)
    second = make_invoice(total="250.50", age_days=3, due_in_days=2, supplier=1)
    key = (INVOICES, "date", "buyer", "SENT_TO_BUYER", today - timedelta(days=3), None, True)
    assert kept()[key] == (2, Decimal("1250.50"))
    assert kept() == counted()

    first.status = "ACCEPTED"
    first.save(update_fields=["status"])
    assert kept()[key] == (1, Decimal("250.50"))
    accepted = (INVOICES, "date", "buyer", "ACCEPTED", today - timedelta(days=3), None, True)
    assert kept()[accepted] == (1, Decimal("1000.00"))

    rows_before = Tally.objects.count()
    Invoice.objects.filter(pk=second.pk).update(last_error_code="E1")  # no key changes
    assert Tally.objects.count() == rows_before

    second.delete()
    assert key not in kept()
    assert kept() == counted()


def test_one_statement_of_many_documents_writes_one_row_per_key(make_invoice):
    """A bulk load or update is tallied per statement: 40 invoices of one key are three
    rows (one per kind), not 120, and so is their status changed in one update."""
    template = make_invoice(total="10.00")
    columns = {f.attname: getattr(template, f.attname) for f in Invoice._meta.concrete_fields}
    copies = [Invoice(**{**columns, "id": None, "object_id": f"INV{n:031d}B"}) for n in range(40)]
    rows_before = Tally.objects.count()

    Invoice.objects.bulk_create(copies)  # one INSERT statement
    assert Tally.objects.count() == rows_before + 3
    due = (INVOICES, "due", "", "SENT_TO_BUYER", None, None, None)
    assert kept()[due] == (41, Decimal("410.00"))

    Invoice.objects.update(status="ACCEPTED")  # one UPDATE statement
    assert Tally.objects.count() == rows_before + 3 + 6  # per kind: -41 old key, +41 new
    assert kept() == counted()


def test_a_request_on_its_way_moves_the_document_out_of_unsent(make_invoice):
    invoice = make_invoice(total="500.00", outbound_state="pending")
    day = invoice.invoice_date
    sent = (INVOICES, "date", "buyer", "SENT_TO_BUYER", day, None, False)
    assert kept()[sent] == (1, Decimal("500.00"))
    assert (INVOICES, "date", "buyer", "SENT_TO_BUYER", day, None, True) not in kept()


def test_a_rolled_back_change_leaves_the_tally_as_it_was(make_invoice):
    make_invoice(total="1000.00")
    rows = list(Tally.objects.values_list("pk", "count", "value"))
    with transaction.atomic():
        Invoice.objects.update(status="ACCEPTED", total_value=Decimal("1"))
        transaction.set_rollback(True)
    assert list(Tally.objects.values_list("pk", "count", "value")) == rows


def test_fold_leaves_one_row_per_key_and_the_same_sums(make_invoice):
    invoices = [
        make_invoice(total=f"{100 * n}.25", age_days=n % 3, supplier=n % 3) for n in range(6)
    ]
    Invoice.objects.filter(pk__in=[i.pk for i in invoices[:3]]).update(status="ACCEPTED")
    Invoice.objects.filter(pk=invoices[5].pk).delete()
    before = kept()

    tallies.fold()

    assert kept() == before == counted()
    assert Tally.objects.count() == len(counted())
    assert not Tally.objects.filter(folded=False).exists()
    rows = Counter(tuple(row) for row in Tally.objects.values_list(*KEY))
    assert set(rows.values()) == {1}
    # Keys left at nothing (the deleted invoice's, those moved to ACCEPTED) are gone.
    assert not Tally.objects.filter(count=0, value=0).exists()

    Invoice.objects.filter(pk=invoices[0].pk).update(total_value=Decimal("7.00"))
    tallies.fold()
    assert kept() == counted()
    assert set(Counter(tuple(r) for r in Tally.objects.values_list(*KEY)).values()) == {1}


def test_a_purchase_order_table_keeps_its_own_tally_by_order_and_delivery_date(
    make_invoice, desk_parties
):
    ours, suppliers = desk_parties
    order = PurchaseOrder.objects.create(
        object_id="PO" + "1" * 32,
        role="supplier",
        business=ours,
        counterparty=suppliers[0],
        status="SENT_TO_SUPPLIER",
        buyer_b2b_id=suppliers[0].b2b_id,
        supplier_b2b_id=ours.b2b_id,
        total_value=Decimal("99999.99"),
        order_date=timezone.localdate(),
        delivery_date=timezone.localdate() + timedelta(days=4),
    )
    table = PurchaseOrder._meta.db_table
    assert kept(table) == counted(PurchaseOrder, "order_date", "delivery_date")
    assert kept(table)[(table, "due", "", "SENT_TO_SUPPLIER", order.delivery_date, None, None)] == (
        1,
        Decimal("99999.99"),
    )
    assert kept() == {}  # the invoices' tally is untouched


def test_recount_finds_and_mends_a_wrong_tally(make_invoice):
    make_invoice(total="1000.00")
    tallies.fold()
    right = kept()
    wrong = Tally.objects.get(kind="party")
    Tally.objects.filter(pk=wrong.pk).update(count=5)

    with pytest.raises(CommandError, match="1 key"):
        call_command("recount_tallies", "--check", stdout=(out := io.StringIO()))
    assert out.getvalue().splitlines()[0] == (
        f"Invoices kind=party status=SENT_TO_BUYER counterparty_id={wrong.counterparty_id}: "
        "kept 5 worth 1000.00, counted 1 worth 1000.00"
    )
    assert kept()[tuple(getattr(wrong, name) for name in KEY)][0] == 5  # unchanged

    call_command("recount_tallies", stdout=io.StringIO())
    assert kept() == right
    call_command("recount_tallies", "--check", stdout=(out := io.StringIO()))
    assert "Invoices: 0 key(s) differed." in out.getvalue()


def test_the_fold_runs_every_minute_on_its_own_queue(settings):
    periodic = [
        task
        for task in app.periodic_registry.periodic_tasks.values()
        if task.task.name == "desk.fold_tallies"
    ]
    assert [(task.cron, task.task.queue) for task in periodic] == [("* * * * *", "desk")]


# Any sequence of changes, folds among them, leaves the tally equal to the documents.
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 2), st.integers(0, 40), st.integers(1, 99999)),
        st.tuples(
            st.just("status"), st.integers(0, 20), st.sampled_from(["ACCEPTED", "FULLY_PAID"])
        ),
        st.tuples(st.just("dates"), st.integers(0, 20), st.integers(-5, 40), st.booleans()),
        st.tuples(st.just("value"), st.integers(0, 20), st.integers(0, 10**9)),
        st.tuples(st.just("party"), st.integers(0, 20), st.integers(0, 2)),
        st.tuples(st.just("request"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("all_status"), st.sampled_from(["SENT_TO_BUYER", "REJECTED"])),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("fold")),
    ),
    max_size=25,
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=CHANGES)
def test_any_changes_leave_the_tally_equal_to_the_documents(make_invoice, desk_parties, changes):
    _, suppliers = desk_parties
    with transaction.atomic():
        for change in changes:
            _apply(change, make_invoice, suppliers)
        assert kept() == counted()
        tallies.fold()
        assert kept() == counted()
        assert not Tally.objects.filter(count=0, value=0).exists()
        transaction.set_rollback(True)


def _apply(change, make_invoice, suppliers):
    kind, *args = change
    documents = list(Invoice.objects.order_by("pk"))
    today = timezone.localdate()
    if kind == "create":
        supplier, age, paise = args
        make_invoice(supplier=supplier, age_days=age, total=f"{paise / 100:.2f}")
    elif kind == "fold":
        tallies.fold()
    elif kind == "all_status":
        Invoice.objects.update(status=args[0])
    elif documents:
        document = documents[args[0] % len(documents)]
        one = Invoice.objects.filter(pk=document.pk)
        if kind == "status":
            one.update(status=args[1])
        elif kind == "dates":
            days, undated = args[1], args[2]
            day = None if undated else today - timedelta(days=days)
            one.update(invoice_date=day, due_date=day and day + timedelta(days=30))
        elif kind == "value":
            one.update(total_value=Decimal(args[1]) / 100)
        elif kind == "party":
            one.update(counterparty=suppliers[args[1]])
        elif kind == "request":
            message = OutboundMessage.objects.create(
                message_type="invoice.confirm", path="/x", body={}, state="pending"
            ) if args[1] else None  # fmt: skip
            one.update(pending_message=message)
        elif kind == "delete":
            one.delete()


@pytest.mark.django_db(transaction=True)
def test_writers_and_folds_at_the_same_time_leave_the_tally_exact(make_invoice, desk_parties):
    """Four writers commit changes while a fifth folds over and over: nothing is lost or
    counted twice, whatever the order in which their transactions end."""
    _, suppliers = desk_parties
    statuses = ["SENT_TO_BUYER", "ACCEPTED", "REJECTED", "FULLY_PAID"]
    # Each writer changes only its own invoices: no two writers wait for each other.
    writing = threading.Barrier(5)
    errors = []

    def write(seed: int) -> None:
        mine = []
        try:
            writing.wait()
            for step in range(25):
                with transaction.atomic():
                    invoice = make_invoice(supplier=(seed + step) % 3, age_days=step % 9)
                    mine.append(invoice.pk)
                    Invoice.objects.filter(pk=invoice.pk).update(status=statuses[step % 4])
                    if step % 5 == 0:
                        Invoice.objects.filter(pk=invoice.pk).delete()
                    accepted = Invoice.objects.filter(pk__in=mine, status="ACCEPTED")
                    accepted.update(total_value=Decimal(seed * 100 + step))
        except Exception as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    def fold_meanwhile() -> None:
        try:
            writing.wait()
            while any(writer.is_alive() for writer in writers):
                with transaction.atomic():
                    tallies.fold()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    folder = threading.Thread(target=fold_meanwhile)
    for thread in [*writers, folder]:
        thread.start()
    for thread in [*writers, folder]:
        thread.join(120)

    assert errors == []
    assert Invoice.objects.count() == 4 * 20
    assert kept() == counted()
    with transaction.atomic():
        tallies.fold()
    assert kept() == counted()
    assert not Tally.objects.filter(folded=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_check_neither_writes_nor_waits_for_writers(make_invoice):
    """`recount_tallies --check` compares in one snapshot: a writer with a change not yet
    committed neither blocks it nor is counted by it, and it writes no row."""
    invoice = make_invoice(total="1000.00")
    rows = list(Tally.objects.order_by("pk").values_list("pk", "count", "value"))
    writer = connection.copy()
    try:
        with writer.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "UPDATE invoices_invoice SET status = 'ACCEPTED' WHERE id = %s", [invoice.pk]
            )
            with connection.cursor() as mine:
                mine.execute("SET statement_timeout = '5s'")  # waiting would fail, not hang
            call_command("recount_tallies", "--check", stdout=(out := io.StringIO()))
            cursor.execute("ROLLBACK")
    finally:
        writer.close()
    assert "Invoices: 0 key(s) differed." in out.getvalue()
    assert list(Tally.objects.order_by("pk").values_list("pk", "count", "value")) == rows

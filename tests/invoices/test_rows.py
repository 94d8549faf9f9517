"""The row writer (`b2bportal.rows`): what it writes reads back as the ORM's save would."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2bportal import rows
from b2bportal.network.models import InboundMessage
from invoices.models import Finding, InvoiceItem, InvoiceVersion


def copy_of(version: InvoiceVersion, number: int) -> InvoiceVersion:
    copy = InvoiceVersion.objects.get(pk=version.pk)
    copy.pk, copy.number, copy.state = None, number, "superseded"
    return copy


def line_values(item: InvoiceItem) -> dict:
    return {
        field.attname: getattr(item, field.attname)
        for field in InvoiceItem._meta.concrete_fields
        if field.name not in ("id", "version")
    }


def columns(queryset, *excluded) -> list[dict]:
    return [
        {name: value for name, value in row.items() if name not in ("id", *excluded)}
        for row in queryset.order_by("position", "id").values()
    ]


def test_rows_read_back_as_the_orm_writes_them(received):
    version = received.current_version
    by_orm, by_rows = copy_of(version, 7), copy_of(version, 8)
    by_orm.save()
    items = list(version.items.all())
    assert len(items) == 2
    for item in items:
        InvoiceItem.objects.create(**line_values(item), version=by_orm)
    # The new version has no id yet when its lines are made: the writer takes it then.
    row_lines = [InvoiceItem(**line_values(item), version=by_rows) for item in items]
    by_rows.pk = by_orm.pk + 1000  # a reserved id, as a look-up gives
    message = 'ñ ₹ "x"'
    finding = Finding(version=by_rows, code="GSTIN", field="buyerDetails.gstin", message=message)

    with CaptureQueriesContext(connection) as captured:
        rows.insert([by_rows], row_lines, [finding])

    assert len(captured) == 1  # three tables, one round trip
    assert not by_rows._state.adding and not finding._state.adding
    orm_version = InvoiceVersion.objects.filter(pk=by_orm.pk).values().get()
    row_version = InvoiceVersion.objects.filter(pk=by_rows.pk).values().get()
    for row in (orm_version, row_version):
        del row["id"], row["number"]
    assert row_version == orm_version
    assert row_version["created_at"].microsecond == version.created_at.microsecond
    assert columns(InvoiceItem.objects.filter(version=by_rows), "version_id") == columns(
        InvoiceItem.objects.filter(version=by_orm), "version_id"
    )
    stored = InvoiceItem.objects.filter(version=by_rows).order_by("position")[0]
    assert stored.quantity == items[0].quantity and isinstance(stored.quantity, Decimal)
    found = Finding.objects.filter(version=by_rows).values_list("code", "field", "message")
    assert found.get() == ("GSTIN", "buyerDetails.gstin", message)
    # Rows written without an id got the table's, each its own, in the order given.
    assert [line.pk for line in row_lines] == list(
        InvoiceItem.objects.filter(version=by_rows)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    assert finding.pk == Finding.objects.get(version=by_rows).pk


def test_bytes_timestamps_and_insert_time_fields(db):
    at = datetime.datetime(2026, 11, 30, 23, 59, 59, 123456, tzinfo=datetime.UTC)
    message = InboundMessage(
        method="POST", path="/api/v0/invoice/req-send-invoice", message_type="invoice.send",
        headers={"Content-Type": "application/json"}, body=b"\x00\xff{}", body_size=4,
        received_at=at,
    )  # fmt: skip
    rows.insert([message])
    stored = InboundMessage.objects.get(pk=message.pk)
    assert (bytes(stored.body), stored.received_at, stored.headers) == (
        b"\x00\xff{}", at, {"Content-Type": "application/json"},
    )  # fmt: skip


def test_nothing_to_write_sends_nothing(db):
    with CaptureQueriesContext(connection) as captured:
        rows.insert([], [])
    assert len(captured) == 0

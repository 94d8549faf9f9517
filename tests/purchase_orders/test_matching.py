"""Invoices matched against the purchase order they name: the findings one by one, the
link, and the order's book (ordered, invoiced, remaining) over several invoices.

Invoices arrive through the real webhook; the order is ours as buyer (tests.fixtures.orders).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice
from purchase_orders.choices import Status
from purchase_orders.matching import order_book
from tests.fixtures import invoices as data
from tests.fixtures.orders import (
    PO_NUMBER,
    PO_OBJECT_ID,
    edit_order,
    invoice_against,
    make_order,
    order_lines,
)
from tests.invoices.conftest import EDIT, SEND, STATUS

pytestmark = pytest.mark.django_db

# 1000 kg of plate at 68.40 and 4 laser cutting jobs at 4500, IGST 18 %: 101952.00 in all.
ORDERED = ((1000, 68.40), (4, 4500))


def receive(webhook, body) -> Invoice:
    response = webhook(SEND, body)
    assert response.status_code == 200, response.content
    block = body["invoice"]
    return Invoice.objects.get(object_id=block.get("objectId") or block["nbblInvoiceId"])


def findings(invoice) -> list[tuple]:
    return [(f.code, f.field, f.message) for f in invoice.current_version.findings.all()]


def figures(book) -> list[tuple]:
    """Per line: ordered, invoiced, remaining quantity; ordered, invoiced, remaining value."""
    return [
        (
            line.ordered_quantity,
            line.invoiced_quantity,
            line.remaining_quantity,
            line.ordered_value,
            line.invoiced_value,
            line.remaining_value,
        )
        for line in book.lines
    ]


def test_an_invoice_within_its_order_is_linked_and_has_no_findings(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    assert po.total_value == Decimal("101952.00")
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 1, 4500)]))
    assert findings(invoice) == []
    assert invoice.finding_count == 0
    assert invoice.purchase_order == po
    assert list(po.invoices.all()) == [invoice]


def test_an_unknown_order_is_accepted_with_the_finding(business, webhook):
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)], po_number="4500099999"))
    assert invoice.status == "SENT_TO_BUYER"
    assert invoice.purchase_order is None
    assert findings(invoice) == [
        ("PO_UNKNOWN", "poDetails[0]", "Purchase order 4500099999 is not one we hold")
    ]
    assert invoice.finding_count == 1


def test_an_unknown_objectid_names_both_ids(business, webhook):
    body = invoice_against([(1, 250, 68.40)], po_number="4500099999", po_object_id="POR" + "1" * 32)
    invoice = receive(webhook, body)
    assert findings(invoice) == [
        (
            "PO_UNKNOWN",
            "poDetails[0]",
            f"Purchase order 4500099999 (POR{'1' * 32}) is not one we hold",
        )
    ]


def test_the_same_number_between_other_parties_is_not_the_order(business, webhook):
    make_order(business, order_lines(*ORDERED), supplier_b2b_id="OTHER.B2B.0001")
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)]))
    assert invoice.purchase_order is None
    assert [f[0] for f in findings(invoice)] == ["PO_UNKNOWN"]


def test_an_order_not_accepted(business, webhook):
    po = make_order(business, order_lines(*ORDERED), status=Status.SENT_TO_SUPPLIER)
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)]))
    assert invoice.purchase_order == po
    assert findings(invoice) == [
        ("PO_NOT_ACCEPTED", "poDetails[0]", "PO 4500012345 is Sent to supplier, not accepted")
    ]


def test_a_partly_invoiced_order_may_be_invoiced(business, webhook):
    make_order(business, order_lines(*ORDERED), status=Status.PARTIALLY_INVOICED)
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)]))
    assert findings(invoice) == []


def test_a_price_above_the_orders(business, webhook):
    make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(1, 250, 70.00), (2, 1, 4500)]))
    assert findings(invoice) == [
        (
            "PO_PRICE",
            "itemLists[0].unitPrice",
            "Line 1: unit price 70 above PO 4500012345 line 1's 68.4",
        )
    ]


def test_a_quantity_beyond_the_order_line(business, webhook):
    make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 5, 4500)]))
    assert findings(invoice) == [
        (
            "PO_QUANTITY",
            "itemLists[1].quantity",
            "Line 2: quantity 5 beyond the 4 remaining of PO 4500012345 line 2 "
            "(ordered 4, invoiced before 0)",
        )
    ]


def test_two_lines_of_one_invoice_on_one_order_line_add_up(business, webhook):
    make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(2, 3, 4500), (2, 2, 4500)]))
    assert findings(invoice) == [
        (
            "PO_QUANTITY",
            "itemLists[1].quantity",
            "Line 2: quantity 2 beyond the 1 remaining of PO 4500012345 line 2 "
            "(ordered 4, invoiced before 3)",
        )
    ]


def test_a_total_beyond_the_orders_remaining_value(business, webhook):
    # Lines within the order, but freight the order never mentioned.
    make_order(business, order_lines((250, 68.40), (1, 4500)))
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 1, 4500)], freight=500))
    assert invoice.total_value == Decimal("25988.00")
    assert findings(invoice) == [
        (
            "PO_VALUE",
            "valueDetails.totalInvoiceValue",
            "Total 25988.00 beyond the 25488.00 remaining of PO 4500012345 "
            "(ordered 25488.00, invoiced before 0.00)",
        )
    ]


def test_a_line_on_no_order_line(business, webhook):
    make_order(business, order_lines((1000, 68.40)))  # plate only
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 1, 4500)]))
    assert findings(invoice) == [
        (
            "PO_LINE",
            "itemLists[1]",
            "Line 2 (Laser cutting and bending charges) is on no line of PO 4500012345",
        )
    ]


def test_parties_differing_from_the_orders(business, webhook):
    other_gstin = data.make_gstin("27", "AAFCS9999Z")
    po = make_order(business, order_lines(*ORDERED), supplier_gstin=other_gstin,
                    supplier_b2b_id="SHREEGANESH.B2B.0099")  # fmt: skip
    # Named by objectId, the order is found whatever its parties say.
    body = invoice_against([(1, 250, 68.40)], po_number="", po_object_id=PO_OBJECT_ID)
    invoice = receive(webhook, body)
    assert invoice.purchase_order == po
    assert findings(invoice) == [
        (
            "PO_PARTY",
            "supplierDetails.b2bId",
            f"Supplier B2B ID {data.SUPPLIER_B2B_ID} differs from PO 4500012345's "
            "SHREEGANESH.B2B.0099",
        ),
        (
            "PO_PARTY",
            "supplierDetails.gstin",
            f"Supplier GSTIN {data.SUPPLIER_GSTIN} differs from PO 4500012345's {other_gstin}",
        ),
    ]


def test_the_objectid_wins_over_the_number(business, webhook):
    make_order(business, order_lines(*ORDERED))
    named = make_order(
        business, order_lines(*ORDERED), number="4500054321", object_id="POR" + "2" * 32
    )
    body = invoice_against([(1, 250, 68.40)], po_object_id="POR" + "2" * 32)
    assert receive(webhook, body).purchase_order == named


def test_the_internal_shape_names_its_order_by_ponumber(business, webhook):
    po = make_order(business, order_lines((250, 68.40), (1, 4500)))
    # Its lines name no order line: they pair by HSN and description.
    invoice = receive(webhook, data.internal_invoice(po_number=PO_NUMBER))
    assert invoice.current_version.shape == "internal"
    assert invoice.purchase_order == po
    assert findings(invoice) == []
    unknown = data.internal_invoice(
        object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0459", po_number="KEW-2026-0193"
    )
    unknown["invoice"]["id"] = 88413
    assert findings(receive(webhook, unknown)) == [
        ("PO_UNKNOWN", "ponumber", "Purchase order KEW-2026-0193 is not one we hold")
    ]


def test_partial_invoicing_over_three_invoices(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    assert figures(order_book(po)) == [
        (Decimal("1000"), 0, Decimal("1000"), Decimal("80712.00"), 0, Decimal("80712.00")),
        (Decimal("4"), 0, Decimal("4"), Decimal("21240.00"), 0, Decimal("21240.00")),
    ]

    first = receive(webhook, invoice_against([(1, 400, 68.40), (2, 1, 4500)], n=1))
    assert findings(first) == []
    book = order_book(po)
    assert figures(book) == [
        (Decimal("1000"), Decimal("400"), Decimal("600"),
         Decimal("80712.00"), Decimal("32284.80"), Decimal("48427.20")),
        (Decimal("4"), Decimal("1"), Decimal("3"),
         Decimal("21240.00"), Decimal("5310.00"), Decimal("15930.00")),
    ]  # fmt: skip
    assert (book.invoiced_value, book.remaining_value) == (
        Decimal("37594.80"),
        Decimal("64357.20"),
    )

    second = receive(webhook, invoice_against([(1, 350, 68.40), (2, 2, 4500)], n=2))
    assert findings(second) == []
    book = order_book(po)
    assert [(line.invoiced_quantity, line.remaining_quantity) for line in book.lines] == [
        (Decimal("750"), Decimal("250")),
        (Decimal("3"), Decimal("1")),
    ]
    assert book.remaining_value == Decimal("25488.00")

    third = receive(webhook, invoice_against([(1, 300, 68.40), (2, 1, 4500)], n=3))
    assert findings(third) == [
        (
            "PO_QUANTITY",
            "itemLists[0].quantity",
            "Line 1: quantity 300 beyond the 250 remaining of PO 4500012345 line 1 "
            "(ordered 1000, invoiced before 750)",
        ),
        (
            "PO_VALUE",
            "valueDetails.totalInvoiceValue",
            "Total 29523.60 beyond the 25488.00 remaining of PO 4500012345 "
            "(ordered 101952.00, invoiced before 76464.00)",
        ),
    ]
    book = order_book(po)
    assert [(line.invoiced_quantity, line.remaining_quantity) for line in book.lines] == [
        (Decimal("1050"), Decimal("-50")),
        (Decimal("4"), Decimal("0")),
    ]
    assert book.remaining_value == Decimal("-4035.60")
    assert [i.pk for i in book.invoices] == [first.pk, second.pk, third.pk]
    assert [(i.pk, item.quantity) for i, item in book.lines[1].invoiced_by] == [
        (first.pk, Decimal("1")),
        (second.pk, Decimal("2")),
        (third.pk, Decimal("1")),
    ]


def test_a_cancelled_invoice_no_longer_takes_from_the_order(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    first = receive(webhook, invoice_against([(1, 400, 68.40)], n=1))
    cancel = data.status_change(object_id=first.object_id)
    cancel["invoiceStatus"]["supplierInvoiceNumber"] = first.supplier_invoice_number
    assert webhook(STATUS, cancel).status_code == 200
    first.refresh_from_db()
    assert first.status == "CANCELLED"
    book = order_book(po)
    assert [line.invoiced_quantity for line in book.lines] == [0, 0]
    assert book.invoices == [first]  # still shown against the order, with its status


def test_an_edit_of_the_order_after_partial_invoicing_recomputes_what_remains(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    receive(webhook, invoice_against([(1, 400, 68.40), (2, 1, 4500)], n=1))
    # The buyer cuts the plate to 800 kg and adds a fifth laser job.
    edit_order(po, order_lines((800, 68.40), (5, 4500)))
    book = order_book(po)
    assert [(line.ordered_quantity, line.remaining_quantity) for line in book.lines] == [
        (Decimal("800"), Decimal("400")),
        (Decimal("5"), Decimal("4")),
    ]
    # 800 kg (64569.60) and 5 jobs (26550.00), less the first invoice's 37594.80
    assert (book.ordered_value, book.remaining_value) == (
        Decimal("91119.60"),
        Decimal("53524.80"),
    )
    # An invoice arriving now is matched against the edited order.
    late = receive(webhook, invoice_against([(1, 450, 68.40)], n=2))
    assert [f[:2] for f in findings(late)] == [("PO_QUANTITY", "itemLists[0].quantity")]
    assert "beyond the 400 remaining" in findings(late)[0][2]


def test_the_link_follows_the_applied_version(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    body = invoice_against([(1, 250, 68.40)])
    invoice = receive(webhook, body)
    assert invoice.purchase_order == po
    edit = data.edit_of(body, version=(1, 2))
    edit["invoice"]["poDetails"] = []
    assert webhook(EDIT, edit).status_code == 200
    invoice.refresh_from_db()
    assert (invoice.version, invoice.purchase_order) == (2, None)
    assert findings(invoice) == []
    # Names it again: linked again.
    again = data.edit_of(body, version=(2, 3))
    assert webhook(EDIT, again).status_code == 200
    invoice.refresh_from_db()
    assert (invoice.version, invoice.purchase_order) == (3, po)


def test_an_invoice_before_its_order_is_linked_when_it_comes(business, webhook):
    early = receive(webhook, invoice_against([(1, 250, 68.40), (2, 5, 4500)], n=1))
    other = receive(webhook, invoice_against([(1, 10, 68.40)], n=2, po_number="4500099999"))
    assert [f[0] for f in findings(early)] == ["PO_UNKNOWN"]
    assert early.purchase_order is None
    po = make_order(business, order_lines(*ORDERED))
    early.refresh_from_db()
    assert early.purchase_order == po
    # Matched anew: its PO_UNKNOWN gives way to what is wrong against the order.
    assert findings(early) == [
        (
            "PO_QUANTITY",
            "itemLists[1].quantity",
            "Line 2: quantity 5 beyond the 4 remaining of PO 4500012345 line 2 "
            "(ordered 4, invoiced before 0)",
        )
    ]
    assert early.finding_count == 1
    other.refresh_from_db()
    assert (other.purchase_order, other.finding_count) == (None, 1)
    assert [line.invoiced_quantity for line in order_book(po).lines] == [250, 5]


def test_an_internal_invoice_before_its_order_is_linked_by_ponumber(business, webhook):
    invoice = receive(webhook, data.internal_invoice(po_number=PO_NUMBER))
    assert (invoice.purchase_order, [f[0] for f in findings(invoice)]) == (None, ["PO_UNKNOWN"])
    po = make_order(business, order_lines((250, 68.40), (1, 4500)))
    invoice.refresh_from_db()
    assert (invoice.purchase_order, findings(invoice), invoice.finding_count) == (po, [], 0)


def test_the_order_book_costs_three_queries_whatever_its_size(business, webhook):
    po = make_order(business, order_lines(*ORDERED))
    for n in range(1, 4):
        receive(webhook, invoice_against([(1, 10, 68.40), (2, 1, 4500)], n=n))
    po = type(po).objects.get(pk=po.pk)
    with CaptureQueriesContext(connection) as captured:
        book = order_book(po)
        assert sum(len(line.invoiced_by) for line in book.lines) == 6
    assert len(captured) == 3


@pytest.mark.django_db(transaction=True)
def test_two_invoices_against_one_order_at_once_are_matched_one_after_the_other():
    """The second waits for the first's lock on the order, then sees what it took."""
    from b2bportal.parties.models import Business
    from invoices import services, wire

    def receive(body):
        return services.receive_invoice(wire.received_content(body), body["b2bIds"])

    ours = Business.objects.create(
        b2b_id=data.BUYER_B2B_ID, gstin=data.BUYER_GSTIN, legal_name="Kaveri", state_code="29"
    )
    make_order(ours, order_lines(*ORDERED))
    # An earlier invoice naming no order: our business and the supplier are known as the
    # two invoices describe them, so nothing but the order is locked by both.
    receive(invoice_against([(1, 1, 68.40)], n=9, po_number=""))
    matched = threading.Event()
    release_first = threading.Event()
    errors = []

    def deliver(n, hold=False):
        try:
            with transaction.atomic():
                receive(invoice_against([(1, 600, 68.40)], n=n))
                if hold:
                    matched.set()
                    release_first.wait(10)  # keep the order locked, the invoice uncommitted
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=deliver, args=(1, True))
    one.start()
    assert matched.wait(10)
    two = threading.Thread(target=deliver, args=(2,))
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting on the order the first one locked
    release_first.set()
    one.join(10)
    two.join(10)

    assert errors == []
    first, second = Invoice.objects.filter(purchase_order__isnull=False).order_by("object_id")
    assert findings(first) == []
    assert [f[:2] for f in findings(second)] == [("PO_QUANTITY", "itemLists[0].quantity")]
    assert "beyond the 400 remaining" in findings(second)[0][2]


def test_our_order_through_the_network_then_invoiced(business, staff, webhook):
    """Our order made, sent and accepted through the services and webhooks; invoices
    against it matched; the order edited through the network, what remains recomputed."""
    from purchase_orders import services

    from . import data as po_data
    from .conftest import CONFIRM, EDIT_RESULT, SEND_RESULT

    supplier = {
        "b2b_id": data.SUPPLIER_B2B_ID,
        "gstin": data.SUPPLIER_GSTIN,
        "legal_name": "Shree Ganesh Steel Traders Pvt Ltd",
        "state_code": "27",
    }
    items = [
        {"description": "MS plate 10mm IS 2062 E250", "hsn_code": "72085110",
         "quantity": "1000", "unit": "KGS", "unit_price": "68.40", "gst_rate": "18"},
        {"description": "Laser cutting and bending charges", "hsn_code": "998898",
         "is_service": True, "quantity": "4", "unit": "NOS", "unit_price": "4500",
         "gst_rate": "18"},
    ]  # fmt: skip
    order = po_data.order_data(supplier=supplier, po_number=PO_NUMBER, items=items)
    po = services.create_purchase_order(business, order, actor=staff["admin"])
    message = services.send_purchase_order(po, actor=staff["admin"])
    assert webhook(SEND_RESULT, po_data.result(message.req_msg_id)).status_code == 200
    po.refresh_from_db()
    assert webhook(CONFIRM, po_data.confirmation(po, "ACCEPT")).status_code == 200
    po.refresh_from_db()
    assert (po.status, po.total_value) == ("ACCEPTED", Decimal("101952.00"))

    body = invoice_against([(1, 400, 68.40), (2, 1, 4500)], po_object_id=po.object_id)
    first = receive(webhook, body)
    assert (first.purchase_order, findings(first)) == (po, [])

    items[0]["quantity"] = "300"  # the buyer cuts the plate below what was invoiced
    edit = services.edit_purchase_order(po, order | {"items": items}, actor=staff["admin"])
    assert webhook(EDIT_RESULT, po_data.result(edit.req_msg_id)).status_code == 200
    po.refresh_from_db()
    book = order_book(po)
    assert (po.version, po.status) == (2, "ACCEPTED")
    assert [(line.ordered_quantity, line.remaining_quantity) for line in book.lines] == [
        (Decimal("300"), Decimal("-100")),
        (Decimal("4"), Decimal("3")),
    ]
    second = receive(webhook, invoice_against([(1, 10, 68.40)], n=2))
    assert findings(second) == [
        (
            "PO_QUANTITY",
            "itemLists[0].quantity",
            "Line 1: quantity 10 beyond what remains (nothing) of PO 4500012345 line 1 "
            "(ordered 300, invoiced before 400)",
        )
    ]


def test_matching_costs_the_same_queries_whatever_was_invoiced_before(business, webhook):
    make_order(business, order_lines(*ORDERED))

    def cost(n: int) -> int:
        body = invoice_against([(1, 10, 68.40), (2, 0.1, 4500)], n=n)
        with CaptureQueriesContext(connection) as captured:
            assert webhook(SEND, body).status_code == 200
        return len(captured)

    cost(1)  # the first one meets a new counterparty
    assert cost(2) == cost(3) == cost(6)
    invoice = Invoice.objects.get(object_id=f"INV{6:032d}")
    assert findings(invoice) == []

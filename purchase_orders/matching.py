"""Invoices matched against the purchase orders they name, and each order's book.

An invoice names its order in `poDetails[]` (network shape) or `ponumber` /
`purchaseNo` (internal shape), read by `invoices.wire.order_references`. The order is
the one with that objectId, else the one with that PO number between the invoice's
buyer and supplier (`find_order`). The invoice side never imports this module: it
reaches it through the document layer's hooks (`b2bportal.documents.hooks`), which
`PurchaseOrdersConfig.ready()` fills:

- `match_version`, a version check of invoices: the findings of one invoice version
  against its order (unknown order, order not accepted, parties, lines, prices,
  quantities and value beyond what remains);
- `link_order`, on an invoice's applied version: `Invoice.purchase_order` follows the
  version applied (an edit may change or drop it);
- `link_waiting_invoices`, on an order's applied version: invoices that named it before
  we held it are linked and matched anew.

`order_book(po)` gives, per line of the order's applied version, what was ordered,
invoiced and remains (quantity and value) and the invoice lines against it, in three
queries whatever the number of lines and invoices. Invoiced means: by invoices linked
to the order whose status still claims it (not rejected, cancelled or deleted).
Lines pair by `orderLineReference` (the order line's serial number or position,
alone or after the PO number and a "/"), else by HSN and description (`pair`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from invoices.choices import ORDER_FINDINGS, FindingCode
from invoices.choices import Status as InvoiceStatus
from invoices.models import Finding, Invoice, InvoiceItem
from invoices.wire import INTERNAL_PO_NUMBERS, order_references

from .choices import Status
from .models import PurchaseOrder, PurchaseOrderLine

# Invoices in these statuses no longer claim anything of their order.
NOT_INVOICING = (InvoiceStatus.REJECTED, InvoiceStatus.CANCELLED, InvoiceStatus.DELETED)
# An order may be invoiced in these statuses (the supplier accepted it).
INVOICEABLE = (Status.ACCEPTED, Status.PARTIALLY_INVOICED)
ZERO = Decimal(0)
CENT = Decimal("0.01")
# The parties' columns compared with the order's, with their wire names for the field.
PARTY_COLUMNS = (("b2b_id", "b2bId", "B2B ID"), ("gstin", "gstin", "GSTIN"))


def figure(value: Decimal) -> str:
    """A quantity as people write it: 10, 2.5 (not 10.0000, nor 1E+1)."""
    return format(Decimal(value).normalize(), "f")


def money(value: Decimal) -> str:
    """An amount in rupees and paise: 25488.00."""
    return str(Decimal(value).quantize(CENT))


def what_remains(remaining: Decimal, shown) -> str:
    """Says what remains: "the 250 remaining", or "what remains (nothing)" once invoices
    took it all or more (a negative figure would read as nonsense)."""
    return f"the {shown(remaining)} remaining" if remaining > 0 else "what remains (nothing)"


def counts(invoice: Invoice) -> bool:
    """True when the invoice still claims what it invoices of its order."""
    return invoice.status not in NOT_INVOICING


# -- which order --------------------------------------------------------------------------


# The orders an invoice version names, by objectId or by PO number between its buyer and
# supplier, newest first, locked: one statement, made once (it runs for every invoice
# received that names an order).
NAMED_ORDERS = f"""
SELECT * FROM {PurchaseOrder._meta.db_table}
WHERE object_id = ANY(%s) OR (po_number = ANY(%s) AND buyer_b2b_id = %s AND supplier_b2b_id = %s)
ORDER BY updated_at DESC, id DESC
FOR UPDATE
"""  # noqa: S608  (the table's name from the model's own metadata)


def find_order(version) -> tuple[PurchaseOrder | None, list[dict]]:
    """(the order an invoice version names, or None; the references it names).

    One query (inside the caller's transaction), none when it names no order. An
    objectId we hold wins; else the PO number between the version's buyer and supplier
    (the newest order, should the buyer have used a number twice). The first reference
    that finds an order wins.
    """
    references = order_references(version)
    if not references:
        return None, []
    object_ids = [r["object_id"] for r in references if r["object_id"]]
    numbers = [r["po_number"] for r in references if r["po_number"]]
    # Locked for the rest of the caller's transaction: two invoices against one order
    # arriving together are matched one after the other, each seeing what the other took.
    parties = (version.buyer_b2b_id, version.supplier_b2b_id)
    held = list(PurchaseOrder.objects.raw(NAMED_ORDERS, [object_ids, numbers, *parties]))
    by_id = {po.object_id: po for po in held}
    by_number = {}
    for po in held:
        if (po.buyer_b2b_id, po.supplier_b2b_id) == parties:
            by_number.setdefault(po.po_number, po)
    for reference in references:
        po = by_id.get(reference["object_id"]) or by_number.get(reference["po_number"])
        if po is not None:
            reference["found"] = True  # where findings about the order point
            return po, references
    return None, references


def _named(reference: dict) -> str:
    number, object_id = reference["po_number"], reference["object_id"]
    if number and object_id:
        return f"{number} ({object_id})"
    return number or object_id


# -- pairing lines ---------------------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join((text or "").lower().split())


def pair(lines: list, item) -> object | None:
    """The order line an invoice line is for, or None.

    By `orderLineReference` when it names a line: the line's serial number or position,
    as such or after a "/" ("4500012345/2", "PO-KEW-2026-0193/2"); else the line with
    the same HSN/SAC code and description (case and spacing aside).
    """
    reference = (item.order_line_reference or "").strip()
    if reference:
        wanted = {reference, reference.rsplit("/", 1)[-1].strip()}
        for line in lines:
            if line.serial_no in wanted or str(line.position) in wanted:
                return line
    hsn, words = (item.hsn_code or "").strip(), _words(item.description)
    for line in lines:
        if (line.hsn_code or "").strip() == hsn and _words(line.description) == words:
            return line
    return None


# -- the order book ------------------------------------------------------------------------


@dataclass
class BookLine:
    """One line of an order: ordered, invoiced (by invoices that count) and remaining."""

    line: PurchaseOrderLine
    invoiced_quantity: Decimal = ZERO
    invoiced_value: Decimal = ZERO
    # (invoice, invoice line) of every invoice that counts, oldest version first
    invoiced_by: list = field(default_factory=list)

    @property
    def ordered_quantity(self) -> Decimal:
        return self.line.quantity

    @property
    def ordered_value(self) -> Decimal:
        return self.line.total_item_value

    @property
    def remaining_quantity(self) -> Decimal:
        return self.ordered_quantity - self.invoiced_quantity

    @property
    def remaining_value(self) -> Decimal:
        return self.ordered_value - self.invoiced_value


@dataclass
class OrderBook:
    """A purchase order with what its invoices took of it (see `order_book`)."""

    purchase_order: PurchaseOrder
    lines: list[BookLine]
    # every invoice linked to the order, counting or not (its status says which)
    invoices: list[Invoice]
    # (invoice, invoice line) of counting invoices whose line pairs with no order line
    unpaired: list[tuple]
    invoiced_value: Decimal = ZERO

    @property
    def ordered_value(self) -> Decimal:
        return self.purchase_order.total_value

    @property
    def remaining_value(self) -> Decimal:
        return self.ordered_value - self.invoiced_value

    def line_of(self, order_line) -> BookLine:
        return next(book for book in self.lines if book.line.pk == order_line.pk)


def order_book(po: PurchaseOrder, *, excluding: Invoice | None = None) -> OrderBook:
    """Per line of the order's applied version: ordered, invoiced and remaining quantity
    and value, and the invoice lines against it; the order's invoiced and remaining value.

    Three queries whatever the size: the order's lines, its invoices, their applied
    lines. `excluding`: an invoice left out (the one being matched, so its own earlier
    version does not count against it).
    """
    lines = list(PurchaseOrderLine.objects.filter(version_id=po.current_version_id).order_by(
        "position"
    ))  # fmt: skip
    invoices = po.invoices.order_by("invoice_date", "created_at", "id")
    if excluding is not None:
        invoices = invoices.exclude(pk=excluding.pk)
    invoices = list(invoices)
    book = OrderBook(po, [BookLine(line) for line in lines], invoices, [])
    counting = {i.current_version_id: i for i in invoices if counts(i) and i.current_version_id}
    if not counting:
        return book
    by_line = {book_line.line.pk: book_line for book_line in book.lines}
    items = InvoiceItem.objects.filter(version_id__in=counting).order_by("version_id", "position")
    for item in items:
        invoice = counting[item.version_id]
        line = pair(lines, item)
        if line is None:
            book.unpaired.append((invoice, item))
            continue
        book_line = by_line[line.pk]
        book_line.invoiced_quantity += item.quantity
        book_line.invoiced_value += item.total_item_value
        book_line.invoiced_by.append((invoice, item))
    book.invoiced_value = sum((i.total_value for i in counting.values()), ZERO)
    return book


# -- the match (a version check of invoices) ---------------------------------------------------


def match_version(invoice: Invoice, version, items) -> list[tuple]:
    """The findings of one invoice version against the order it names.

    None when it names no order (and no query). An order we do not hold is a finding
    (the invoice is still accepted). Otherwise: the order not accepted, parties that
    differ from the order's, lines on no order line, prices above the order line's,
    quantities beyond what other invoices left of the line, and a total beyond what
    they left of the order's value. The order found is kept on the version for
    `link_order`, which runs when the version is applied.
    """
    po, references = find_order(version)
    version.order_found = po
    if po is None:
        return [
            (FindingCode.PO_UNKNOWN, r["field"], f"Purchase order {_named(r)} is not one we hold")
            for r in references
        ]
    where = next(r["field"] for r in references if r.get("found"))
    return _against(po, invoice, version, items, where)


def _against(po: PurchaseOrder, invoice: Invoice, version, items, where: str) -> list[tuple]:
    """The findings of an invoice version against `po` (`where`: the reference's field)."""
    found = []
    if po.status not in INVOICEABLE:
        found.append(
            (
                FindingCode.PO_NOT_ACCEPTED,
                where,
                f"PO {po.po_number} is {po.get_status_display()}, not accepted",
            )
        )
    found += _party_findings(po, version)
    book = order_book(po, excluding=invoice)
    found += _line_findings(po, book, items)
    if version.total_value > book.remaining_value:
        found.append(
            (
                FindingCode.PO_VALUE,
                "valueDetails.totalInvoiceValue",
                f"Total {money(version.total_value)} beyond "
                f"{what_remains(book.remaining_value, money)} of PO {po.po_number} (ordered "
                f"{money(book.ordered_value)}, "
                f"invoiced before {money(book.invoiced_value)})",
            )
        )
    return found


def _party_findings(po: PurchaseOrder, version) -> list[tuple]:
    found = []
    for side in ("supplier", "buyer"):
        for column, wire_name, label in PARTY_COLUMNS:
            named = getattr(version, f"{side}_{column}")
            ordered = getattr(po, f"{side}_{column}")
            if named and ordered and named != ordered:
                found.append(
                    (
                        FindingCode.PO_PARTY,
                        f"{side}Details.{wire_name}",
                        f"{side.title()} {label} {named} differs from PO {po.po_number}'s "
                        f"{ordered}",
                    )
                )
    return found


def _line_findings(po: PurchaseOrder, book: OrderBook, items) -> list[tuple]:
    found = []
    order_lines = [book_line.line for book_line in book.lines]
    taken = defaultdict(lambda: ZERO)  # what earlier lines of this invoice took of a line
    for item in sorted(items, key=lambda i: i.position):
        where = f"itemLists[{item.position - 1}]"
        line = pair(order_lines, item)
        if line is None:
            found.append(
                (
                    FindingCode.PO_LINE,
                    where,
                    f"Line {item.position} ({item.description or item.hsn_code}) is on no line "
                    f"of PO {po.po_number}",
                )
            )
            continue
        named = f"PO {po.po_number} line {line.serial_no or line.position}"
        if item.unit_price > line.unit_price:
            found.append(
                (
                    FindingCode.PO_PRICE,
                    f"{where}.unitPrice",
                    f"Line {item.position}: unit price {figure(item.unit_price)} above "
                    f"{named}'s {figure(line.unit_price)}",
                )
            )
        book_line = book.line_of(line)
        remaining = book_line.remaining_quantity - taken[line.pk]
        if item.quantity > remaining:
            found.append(
                (
                    FindingCode.PO_QUANTITY,
                    f"{where}.quantity",
                    f"Line {item.position}: quantity {figure(item.quantity)} beyond "
                    f"{what_remains(remaining, figure)} of {named} (ordered "
                    f"{figure(book_line.ordered_quantity)}, invoiced before "
                    f"{figure(book_line.invoiced_quantity + taken[line.pk])})",
                )
            )
        taken[line.pk] += item.quantity
    return found


# -- the link (on an invoice's applied version) ----------------------------------------------


def link_order(sender, document: Invoice, version, **kwargs) -> None:
    """The invoice's link to its order follows the version applied (the caller saves).

    The order `match_version` found for this version when it was written is reused; a
    version read back (parked, then applied; our own edit, accepted) is matched anew.
    """
    if hasattr(version, "order_found"):
        document.purchase_order = version.order_found
    else:
        document.purchase_order = find_order(version)[0]


def link_waiting_invoices(sender, document: PurchaseOrder, version, **kwargs) -> None:
    """Invoices that named this order before we held it are linked to it now.

    An invoice can arrive before its order (or before an edit gives the order the
    number it names). Those between the order's buyer and supplier, linked to no order,
    whose applied version names it are linked, and their match is made anew: their
    PO_UNKNOWN gives way to the findings against the order. An invoice locked by a
    delivery of its own right now is left to that delivery, which matches it itself.
    The order is the one being applied (its columns set, not yet saved).
    """
    waiting = (
        Invoice.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            _names_order(document),
            purchase_order=None,
            buyer_b2b_id=document.buyer_b2b_id,
            supplier_b2b_id=document.supplier_b2b_id,
        )
        .select_related("current_version")
    )
    for invoice in waiting:
        named = [
            r
            for r in order_references(invoice.current_version)
            if (r["object_id"] and r["object_id"] == document.object_id)
            or (r["po_number"] and r["po_number"] == document.po_number)
        ]
        if named:
            _rematch(document, invoice, named[0]["field"])


def _names_order(po: PurchaseOrder) -> Q:
    """Invoices whose applied version may name `po` (`order_references` decides): read in
    the database, so only they are loaded, not every invoice of the two parties."""
    sections, details = "current_version__sections__poDetails", "current_version__enkash_details"
    names = Q(pk__in=[])
    if po.object_id:
        names |= Q(**{f"{sections}__contains": [{"poObjId": po.object_id}]})
    if po.po_number:
        names |= Q(**{f"{sections}__contains": [{"buyerPoId": po.po_number}]})
        for name in INTERNAL_PO_NUMBERS:
            names |= Q(**{f"{details}__{name}": po.po_number})
    return names


def _rematch(po: PurchaseOrder, invoice: Invoice, where: str) -> None:
    version = invoice.current_version
    earlier = version.findings.filter(code__in=ORDER_FINDINGS)
    removed, _ = earlier.delete()
    found = _against(po, invoice, version, list(version.items.all()), where)
    Finding.objects.bulk_create(
        Finding(version=version, code=code, field=field, message=message[:300])
        for code, field, message in found
    )
    invoice.purchase_order = po
    invoice.finding_count += len(found) - removed
    invoice.updated_at = timezone.now()
    invoice.save(update_fields=["purchase_order", "finding_count", "updated_at"])

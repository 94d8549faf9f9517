"""Invoices: the canonical record, its immutable versions with items, findings, history.

The network invoice (PROTOCOL.md §3) is the canonical shape; `Invoice` holds the
applied version's key values as columns so lists, filters and the API need no join
into versions. Every version received or made is an `InvoiceVersion` snapshot.
"""

from django.db import models
from django.utils import timezone

from b2bportal.documents.models import (
    MONEY,
    Document,
    DocumentFinding,
    DocumentLine,
    DocumentParkedAction,
    DocumentStatusChange,
    DocumentVersion,
    party_links,
    status_field,
    version_meta,
)
from b2bportal.trigram import trigram_index

from .choices import ORDER_FINDINGS, FindingCode, Shape, Status


class InvoiceContent(models.Model):
    """What one version of an invoice says: parties, dates, totals. Shared by the
    snapshot (`InvoiceVersion`) and the current record (`Invoice`)."""

    supplier_invoice_number = models.CharField(max_length=50, db_index=True)
    invoice_date = models.DateField(null=True, blank=True, db_index=True)
    due_date = models.DateField(null=True, blank=True, db_index=True)
    currency = models.CharField(max_length=3, default="INR")
    # parties as the invoice names them
    supplier_b2b_id = models.CharField("supplier B2B ID", max_length=100, db_index=True)
    supplier_gstin = models.CharField("supplier GSTIN", max_length=20, blank=True, db_index=True)
    supplier_legal_name = models.CharField(max_length=200, blank=True)
    supplier_trade_name = models.CharField(max_length=200, blank=True)
    supplier_state_code = models.CharField(max_length=2, blank=True)
    buyer_b2b_id = models.CharField("buyer B2B ID", max_length=100, db_index=True)
    buyer_gstin = models.CharField("buyer GSTIN", max_length=20, blank=True, db_index=True)
    buyer_legal_name = models.CharField(max_length=200, blank=True)
    buyer_trade_name = models.CharField(max_length=200, blank=True)
    buyer_state_code = models.CharField(max_length=2, blank=True)
    place_of_supply = models.CharField(max_length=2, blank=True)
    # value details
    assessable_value = models.DecimalField(**MONEY, default=0)
    cgst_amount = models.DecimalField("CGST", **MONEY, default=0)
    sgst_amount = models.DecimalField("SGST", **MONEY, default=0)
    igst_amount = models.DecimalField("IGST", **MONEY, default=0)
    cess_amount = models.DecimalField("cess", **MONEY, default=0)
    other_charges = models.DecimalField(**MONEY, default=0)
    total_value = models.DecimalField("total invoice value", **MONEY, default=0, db_index=True)

    class Meta:
        abstract = True


CONTENT_FIELDS = [f.name for f in InvoiceContent._meta.fields]


class Invoice(InvoiceContent, Document):
    """One invoice between one of our businesses and a counterparty, in its applied version.

    `status` and `version` change only through `invoices.services`. A decision of ours
    waiting for the network is `pending_message` (the OutboundMessage carrying it).
    """

    # EnKash's own id of the invoice (its internal shape's `id`): until the network's
    # objectId arrives (`nbblInvoiceId`), `object_id` is provisional, made from it.
    enkash_id = models.BigIntegerField("EnKash invoice id", null=True, blank=True, unique=True)
    business, counterparty = party_links("invoices")
    status = status_field(Status, db_index=True)
    current_version = models.ForeignKey(
        "InvoiceVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pending_status = status_field(Status, blank=True)
    # The purchase order the applied version names, when we hold it. Set by the match
    # (purchase_orders.matching, through documents.hooks.version_applied), never by hand:
    # an edit naming another order, or none, moves or drops it.
    purchase_order = models.ForeignKey(
        "purchase_orders.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("decide_invoice", "Can accept, reject or return invoices"),
            ("export_invoice", "Can export invoices"),
        ]
        indexes = [
            models.Index(fields=["supplier_b2b_id", "supplier_invoice_number"]),
            # Every list's order, and the status and counterparty filters in that order
            # (a page is the first rows of an index, not a sort of every match).
            models.Index(fields=["updated_at", "id"], name="invoice_updated_id"),
            models.Index(fields=["status", "updated_at", "id"], name="invoice_status_updated"),
            models.Index(
                fields=["counterparty", "updated_at", "id"], name="invoice_cparty_updated"
            ),
            # The list's search: a part of a number, objectId or GSTIN (`icontains`).
            trigram_index("supplier_invoice_number", "invoice_number_trgm"),
            trigram_index("object_id", "invoice_object_id_trgm"),
            trigram_index("supplier_gstin", "invoice_supplier_gstin_trgm"),
            trigram_index("buyer_gstin", "invoice_buyer_gstin_trgm"),
            # The pending and overdue filters: the few invoices awaiting the network, in
            # the list's order.
            models.Index(
                fields=["updated_at", "id"],
                name="invoice_pending_updated",
                condition=models.Q(pending_message__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.supplier_invoice_number} ({self.object_id})"

    @property
    def order_findings(self) -> list:
        """The applied version's findings about its purchase order (the match's)."""
        if self.current_version is None:
            return []
        return [f for f in self.current_version.findings.all() if f.code in ORDER_FINDINGS]

    @property
    def is_overdue(self) -> bool:
        """Past its due date and still payable (`overdue()` as a query)."""
        return bool(
            self.due_date
            and self.due_date < timezone.localdate()
            and self.status not in OVERDUE_EXEMPT
        )


# Statuses in which an invoice can no longer be overdue.
OVERDUE_EXEMPT = (
    Status.FULLY_PAID, Status.CLOSED, Status.CANCELLED, Status.DELETED, Status.REJECTED,
    Status.ABANDONED,
)  # fmt: skip


def overdue() -> models.Q:
    """Past its due date (today, in local time) and in a status that can still be overdue."""
    return models.Q(due_date__lt=timezone.localdate()) & ~models.Q(status__in=OVERDUE_EXEMPT)


class InvoiceVersion(InvoiceContent, DocumentVersion):
    """One `objectVersion` of an invoice as it was received or made: never changed after.

    Less-used sections of the network invoice are kept as JSON exactly as validated;
    `raw` is the document block as it arrived. `state` says whether it is applied,
    parked (ahead of sequence), superseded, or ours awaiting the network.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="versions")
    shape = models.CharField(max_length=10, choices=Shape.choices)
    status = status_field(Status, blank=True, help_text="The status it carried.")
    supplier_address = models.JSONField(default=dict, blank=True)
    buyer_address = models.JSONField(default=dict, blank=True)
    supplier_contact = models.JSONField(default=dict, blank=True)
    buyer_contact = models.JSONField(default=dict, blank=True)
    sections = models.JSONField(
        default=dict,
        blank=True,
        help_text="transactionDetails, dispatch/shipping, bank, payment terms, references, "
        "export, e-way bill, recurring, milestones, financing, e-invoice, other values.",
    )
    enkash_details = models.JSONField(
        default=dict,
        blank=True,
        help_text="EnKash's internal-invoice fields (tds, surcharge, mdr, payments, ...) as "
        "sent, by their wire names (invoices.wire.ENKASH_FIELDS).",
    )

    Meta = version_meta("invoice", "invoice_version_once")

    def __str__(self):
        return f"{self.invoice.object_id} v{self.number}"


class InvoiceItem(DocumentLine):
    """One line of one version, with its taxes."""

    version = models.ForeignKey(InvoiceVersion, on_delete=models.CASCADE, related_name="items")

    class Meta:
        ordering = ["version", "position"]


class Finding(DocumentFinding):
    """Something wrong with a received version (arithmetic, taxes, GSTINs, dates, ...)."""

    version = models.ForeignKey(InvoiceVersion, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=24, choices=FindingCode.choices, db_index=True)

    class Meta:
        ordering = ["version", "id"]


class StatusChange(DocumentStatusChange):
    """One row of an invoice's status history: appended, never changed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="status_changes")
    from_status = status_field(Status, blank=True)
    to_status = status_field(Status)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "status change"
        verbose_name_plural = "status changes"
        permissions = [("export_statuschange", "Can export the status history")]
        # The history list's order (newest first) and its date filter.
        indexes = [
            models.Index(fields=["at", "id"], name="statuschange_at_id"),
            trigram_index("remarks", "statuschange_remarks_trgm"),  # the list's search
        ]


class ParkedAction(DocumentParkedAction):
    """A confirmation or status change naming a version we do not hold yet.

    Applied by the service as soon as that version arrives.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="parked_actions")

    class Meta:
        ordering = ["created_at", "id"]

"""Invoices: the canonical record, its immutable versions with items, findings, history.

The network invoice (PROTOCOL.md §3) is the canonical shape; `Invoice` holds the
applied version's key values as columns so lists, filters and the API need no join
into versions. Every version received or made is an `InvoiceVersion` snapshot.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from b2bportal.parties.models import Business, Counterparty

from .choices import ChangeKind, FindingCode, Role, Shape, Source, Status, VersionState

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 7, "decimal_places": 3}


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


class Invoice(InvoiceContent):
    """One invoice between one of our businesses and a counterparty, in its applied version.

    `status` and `version` change only through `invoices.services`. A decision of ours
    waiting for the network is `pending_message` (the OutboundMessage carrying it).
    """

    object_id = models.CharField("objectId", max_length=35, unique=True)
    # EnKash's own id of the invoice (its internal shape's `id`): until the network's
    # objectId arrives (`nbblInvoiceId`), `object_id` is provisional, made from it.
    enkash_id = models.BigIntegerField("EnKash invoice id", null=True, blank=True, unique=True)
    role = models.CharField(max_length=8, choices=Role.choices, db_index=True)
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="invoices")
    counterparty = models.ForeignKey(
        Counterparty, on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(max_length=40, choices=Status.choices, db_index=True)
    version = models.PositiveIntegerField(default=1)
    current_version = models.ForeignKey(
        "InvoiceVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The current version's findings, counted: kept as a column so the list pages can
    # show and filter by it without a join or a count per row.
    finding_count = models.PositiveSmallIntegerField(default=0, db_index=True)
    pending_message = models.ForeignKey(
        "network.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Our request awaiting the network's result.",
    )
    # The status our pending request asks for (also on its REQUESTED history row): a
    # column so the API's list shows it without a join per row.
    pending_status = models.CharField(max_length=40, choices=Status.choices, blank=True)
    # the network's last refusal of a request of ours, shown to staff
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error_detail = models.TextField(blank=True)
    last_error_field = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

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
        ]

    def __str__(self):
        return f"{self.supplier_invoice_number} ({self.object_id})"

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

# An invoice is pending while a request of ours about it has not failed for good
# (`services.is_pending` per row).
PENDING = models.Q(pending_message__isnull=False) & ~models.Q(pending_message__state="failed")


def overdue() -> models.Q:
    """Past its due date (today, in local time) and in a status that can still be overdue."""
    return models.Q(due_date__lt=timezone.localdate()) & ~models.Q(status__in=OVERDUE_EXEMPT)


class InvoiceVersion(InvoiceContent):
    """One `objectVersion` of an invoice as it was received or made: never changed after.

    Less-used sections of the network invoice are kept as JSON exactly as validated;
    `raw` is the document block as it arrived. `state` says whether it is applied,
    parked (ahead of sequence), superseded, or ours awaiting the network.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=VersionState.choices)
    shape = models.CharField(max_length=10, choices=Shape.choices)
    status = models.CharField(
        max_length=40, choices=Status.choices, blank=True, help_text="The status it carried."
    )
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    inbound_message = models.ForeignKey(
        "network.InboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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
    raw = models.JSONField(default=dict, help_text="The document block as it arrived.")
    enkash_details = models.JSONField(
        default=dict,
        blank=True,
        help_text="EnKash's internal-invoice fields (tds, surcharge, mdr, payments, ...) as "
        "sent, by their wire names (invoices.wire.ENKASH_FIELDS).",
    )

    class Meta:
        ordering = ["invoice", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "number"],
                condition=models.Q(state__in=["applied", "parked", "proposed"]),
                name="invoice_version_once",
            )
        ]

    def __str__(self):
        return f"{self.invoice.object_id} v{self.number}"

    def save(self, *args, **kwargs):
        # Snapshots are immutable: only the state may move (parked -> applied, ...).
        if self.pk and set(kwargs.get("update_fields") or ["*"]) - {"state"}:
            raise ValueError("An invoice version is immutable; only its state may change.")
        super().save(*args, **kwargs)


class InvoiceItem(models.Model):
    """One line of one version, with its taxes."""

    version = models.ForeignKey(InvoiceVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    serial_no = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=500, blank=True)
    is_service = models.BooleanField(default=False)
    hsn_code = models.CharField("HSN/SAC", max_length=10, blank=True)
    bar_code = models.CharField(max_length=50, blank=True)
    quantity = models.DecimalField(**QUANTITY, default=0)
    free_quantity = models.DecimalField(**QUANTITY, default=0)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    gross_amount = models.DecimalField(**MONEY, default=0, help_text="totalAmt")
    assessable_amount = models.DecimalField(**MONEY, default=0)
    gst_rate = models.DecimalField(**RATE, default=0)
    cgst_rate = models.DecimalField(**RATE, default=0)
    sgst_rate = models.DecimalField(**RATE, default=0)
    igst_rate = models.DecimalField(**RATE, default=0)
    cgst_amount = models.DecimalField(**MONEY, default=0)
    sgst_amount = models.DecimalField(**MONEY, default=0)
    igst_amount = models.DecimalField(**MONEY, default=0)
    cess_amount = models.DecimalField(**MONEY, default=0)
    total_item_value = models.DecimalField(**MONEY, default=0)
    order_line_reference = models.CharField(max_length=100, blank=True)
    origin_country = models.CharField(max_length=5, blank=True)
    product_serial_number = models.CharField(max_length=100, blank=True)
    extra = models.JSONField(
        default=dict, blank=True, help_text="batchDetails, attributeDetails, otherTaxes, ..."
    )

    class Meta:
        ordering = ["version", "position"]

    def __str__(self):
        return f"{self.position}. {self.description}"


class Finding(models.Model):
    """Something wrong with a received version (arithmetic, taxes, GSTINs, dates, ...)."""

    version = models.ForeignKey(InvoiceVersion, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=24, choices=FindingCode.choices, db_index=True)
    field = models.CharField(max_length=100, blank=True, help_text="Where, e.g. itemLists[1]")
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["version", "id"]

    def __str__(self):
        return f"{self.code}: {self.message}"


class StatusChange(models.Model):
    """One row of an invoice's status history: appended, never changed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="status_changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices, default=ChangeKind.APPLIED)
    action = models.CharField(max_length=40, help_text="e.g. receive, confirm:ACCEPT, cancel")
    from_status = models.CharField(max_length=40, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=40, choices=Status.choices)
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remarks = models.CharField(max_length=100, blank=True)
    inbound_message = models.ForeignKey(
        "network.InboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outbound_message = models.ForeignKey(
        "network.OutboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "status change"
        verbose_name_plural = "status changes"
        permissions = [("export_statuschange", "Can export the status history")]
        # The history list's order (newest first) and its date filter.
        indexes = [models.Index(fields=["at", "id"], name="statuschange_at_id")]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status} (v{self.version})"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Status history is append-only.")
        super().save(*args, **kwargs)


class ParkedAction(models.Model):
    """A confirmation or status change naming a version we do not hold yet.

    Applied by the service as soon as that version arrives.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="parked_actions")
    version = models.PositiveIntegerField()
    message_type = models.CharField(max_length=64)
    block = models.JSONField()
    inbound_message = models.ForeignKey(
        "network.InboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.message_type} for v{self.version}"

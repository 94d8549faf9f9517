"""Purchase orders: the document, its immutable versions, lines, findings, status
history and parked actions, on the document layer's abstract models.

`PurchaseOrder` holds the applied version's content as columns so the lists and the
API need no join into versions. Every version received or made is a
`PurchaseOrderVersion` snapshot.
"""

from django.db import models

from b2bportal.documents.models import (
    MONEY,
    Document,
    DocumentFinding,
    DocumentLine,
    DocumentParkedAction,
    DocumentStatusChange,
    DocumentVersion,
    PartyColumns,
    PartyDetails,
    ValueColumns,
    party_links,
    status_field,
    version_meta,
)

from .choices import FindingCode, Status


class PurchaseOrderContent(PartyColumns, ValueColumns):
    """What one version of a purchase order says: parties, dates, totals. Shared by the
    snapshot (`PurchaseOrderVersion`) and the current record (`PurchaseOrder`)."""

    po_number = models.CharField("buyer PO number", max_length=50, db_index=True)
    order_date = models.DateField(null=True, blank=True, db_index=True)
    delivery_date = models.DateField(null=True, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    total_value = models.DecimalField("total PO value", **MONEY, default=0, db_index=True)

    class Meta:
        abstract = True


CONTENT_FIELDS = [f.name for f in PurchaseOrderContent._meta.fields]


class PurchaseOrder(PurchaseOrderContent, Document):
    """One purchase order between one of our businesses and a counterparty, in its
    applied version: ours as buyer (we send, edit, cancel, close it) or a buyer's to us
    as supplier (we confirm it).

    `status` and `version` change only through `purchase_orders.services`; the status
    is what the network's messages carry, never computed here.
    """

    business, counterparty = party_links("purchase_orders")
    status = status_field(Status, db_index=True)
    current_version = models.ForeignKey(
        "PurchaseOrderVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pending_status = status_field(Status, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("decide_purchaseorder", "Can accept, reject or return purchase orders"),
            ("export_purchaseorder", "Can export purchase orders"),
            (
                "manage_purchaseorder",
                "Can create, send, edit, cancel and close our purchase orders",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer_b2b_id", "po_number"], name="po_buyer_number"),
            # Every list's order, and the status and counterparty filters in that order.
            models.Index(fields=["updated_at", "id"], name="po_updated_id"),
            models.Index(fields=["status", "updated_at", "id"], name="po_status_updated"),
            models.Index(fields=["counterparty", "updated_at", "id"], name="po_cparty_updated"),
        ]

    def __str__(self):
        return f"{self.po_number} ({self.object_id})"


class PurchaseOrderVersion(PurchaseOrderContent, PartyDetails, DocumentVersion):
    """One `objectVersion` of a purchase order as it was received or made: never changed.

    Less-used sections of the `purchaseOrder` block are kept in `sections` exactly as
    validated; `raw` is the block as it arrived.
    """

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="versions"
    )
    status = status_field(Status, blank=True, help_text="The status it carried.")
    sections = models.JSONField(
        default=dict, blank=True, help_text="The block's other sections, as validated."
    )

    Meta = version_meta("purchase_order", "purchase_order_version_once")

    def __str__(self):
        return f"{self.purchase_order.object_id} v{self.number}"


class PurchaseOrderLine(DocumentLine):
    """One line of one purchase-order version, with its taxes."""

    version = models.ForeignKey(
        PurchaseOrderVersion, on_delete=models.CASCADE, related_name="items"
    )

    class Meta:
        ordering = ["version", "position"]


class PurchaseOrderFinding(DocumentFinding):
    """Something wrong with a received purchase-order version (arithmetic, taxes, GSTINs)."""

    version = models.ForeignKey(
        PurchaseOrderVersion, on_delete=models.CASCADE, related_name="findings"
    )
    code = models.CharField(max_length=24, choices=FindingCode.choices, db_index=True)

    class Meta:
        ordering = ["version", "id"]


class PurchaseOrderStatusChange(DocumentStatusChange):
    """One row of a purchase order's status history: appended, never changed."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = status_field(Status, blank=True)
    to_status = status_field(Status)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "purchase order status change"
        verbose_name_plural = "purchase order status changes"
        # Auditors export the history, as they do the invoices' (a permission of its own:
        # viewing the history is not exporting it).
        permissions = [
            ("export_purchaseorderstatuschange", "Can export the purchase orders' status history")
        ]
        indexes = [models.Index(fields=["at", "id"], name="po_statuschange_at_id")]


class PurchaseOrderParkedAction(DocumentParkedAction):
    """A confirmation or status change naming a version we do not hold yet; applied by
    the services as soon as that version arrives."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="parked_actions"
    )

    class Meta:
        ordering = ["created_at", "id"]

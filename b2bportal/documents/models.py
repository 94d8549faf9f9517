"""Abstract models every document family subclasses: the document, its immutable
versions, their lines and findings, the append-only status history, parked actions.

A family's concrete models add what is its own (content columns, the foreign key to
its document or version, its status choices via `status_field`) and keep their own
table and column names. The generic services reach the family's models through its
spec (`documents.spec.FamilySpec`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from b2bportal.parties.models import Business, Counterparty

from .choices import ChangeKind, Role, Source, VersionState

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 7, "decimal_places": 3}


# A document is pending while a request of ours about it has not failed for good
# (`services.is_pending` per row).
PENDING = models.Q(pending_message__isnull=False) & ~models.Q(pending_message__state="failed")


def status_field(statuses, **options) -> models.CharField:
    """A status column over a family's status choices (the network's statuses)."""
    return models.CharField(max_length=40, choices=statuses.choices, **options)


def inbound_link() -> models.ForeignKey:
    """The inbound message a row came from, when it came from the network."""
    return models.ForeignKey(
        "network.InboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


def party_links(related_name: str) -> tuple[models.ForeignKey, models.ForeignKey]:
    """The document's business of ours and its counterparty, each naming the family's
    documents `related_name` (e.g. `business.invoices`)."""
    return (
        models.ForeignKey(Business, on_delete=models.PROTECT, related_name=related_name),
        models.ForeignKey(Counterparty, on_delete=models.PROTECT, related_name=related_name),
    )


def version_meta(document: str, constraint: str) -> type:
    """A version model's `Meta`: ordered by document and number, and one live (applied,
    parked or proposed) version of each number per document; `document` names the
    version's foreign key to its document, `constraint` the constraint."""

    class Meta:
        ordering = [document, "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=[document, "number"],
                condition=models.Q(state__in=["applied", "parked", "proposed"]),
                name=constraint,
            )
        ]

    return Meta


class PartyColumns(models.Model):
    """The parties as a document names them, and the place of supply: columns of a
    family's content (on its document and on each version)."""

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

    class Meta:
        abstract = True


class ValueColumns(models.Model):
    """A document's currency, value before tax, taxes and other charges (its total is the
    family's own column, named as the family names it)."""

    currency = models.CharField(max_length=3, default="INR")
    assessable_value = models.DecimalField(**MONEY, default=0)
    cgst_amount = models.DecimalField("CGST", **MONEY, default=0)
    sgst_amount = models.DecimalField("SGST", **MONEY, default=0)
    igst_amount = models.DecimalField("IGST", **MONEY, default=0)
    cess_amount = models.DecimalField("cess", **MONEY, default=0)
    other_charges = models.DecimalField(**MONEY, default=0)

    class Meta:
        abstract = True


class PartyDetails(models.Model):
    """What a version says of each party beyond its columns: address and contact."""

    supplier_address = models.JSONField(default=dict, blank=True)
    buyer_address = models.JSONField(default=dict, blank=True)
    supplier_contact = models.JSONField(default=dict, blank=True)
    buyer_contact = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Document(models.Model):
    """One document between one of our businesses and a counterparty, in its applied version.

    `status` and `version` change only through the family's services. A request of
    ours waiting for the network is `pending_message` (the OutboundMessage carrying it).
    Subclasses set `status` and `pending_status` with `status_field(TheirStatus)`,
    `business` and `counterparty` with `party_links(related_name)`, and add
    `current_version`, the foreign key to their applied version.
    """

    object_id = models.CharField("objectId", max_length=35, unique=True)
    role = models.CharField(max_length=8, choices=Role.choices, db_index=True)
    status = models.CharField(max_length=40, db_index=True)
    version = models.PositiveIntegerField(default=1)
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
    pending_status = models.CharField(max_length=40, blank=True)
    # the network's last refusal of a request of ours, shown to staff
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error_detail = models.TextField(blank=True)
    last_error_field = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True


class DocumentVersion(models.Model):
    """One `objectVersion` of a document as it was received or made: never changed after.

    `raw` is the document block as it arrived. `state` says whether it is applied,
    parked (ahead of sequence), superseded, or ours awaiting the network. Subclasses
    add the foreign key to their document (`related_name="versions"`) and `status`.
    """

    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=VersionState.choices)
    status = models.CharField(max_length=40, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    inbound_message = inbound_link()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raw = models.JSONField(default=dict, help_text="The document block as it arrived.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Snapshots are immutable: only the state may move (parked -> applied, ...).
        if self.pk and set(kwargs.get("update_fields") or ["*"]) - {"state"}:
            raise ValueError("A document version is immutable; only its state may change.")
        super().save(*args, **kwargs)


class DocumentLine(models.Model):
    """One line of one version, with its taxes (the network's item list, the same in
    every family). Subclasses add the foreign key to their version (`related_name="items"`)."""

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
        abstract = True

    def __str__(self):
        return f"{self.position}. {self.description}"


class DocumentFinding(models.Model):
    """Something wrong with a received version. Subclasses add the foreign key to their
    version (`related_name="findings"`) and `code` over their finding codes."""

    field = models.CharField(max_length=100, blank=True, help_text="Where, e.g. itemLists[1]")
    message = models.CharField(max_length=300)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.code}: {self.message}"


class DocumentStatusChange(models.Model):
    """One row of a document's status history: appended, never changed nor deleted.

    Subclasses add the foreign key to their document (`related_name="status_changes"`)
    and `from_status`/`to_status` over their statuses.
    """

    kind = models.CharField(max_length=10, choices=ChangeKind.choices, default=ChangeKind.APPLIED)
    action = models.CharField(max_length=40, help_text="e.g. receive, confirm:ACCEPT, cancel")
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remarks = models.CharField(max_length=100, blank=True)
    inbound_message = inbound_link()
    outbound_message = models.ForeignKey(
        "network.OutboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status} (v{self.version})"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Status history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Status history is append-only.")


class DocumentParkedAction(models.Model):
    """A confirmation or status change naming a version we do not hold yet.

    Applied by the services as soon as that version arrives. Subclasses add the
    foreign key to their document (`related_name="parked_actions"`).
    """

    version = models.PositiveIntegerField()
    message_type = models.CharField(max_length=64)
    block = models.JSONField()
    inbound_message = inbound_link()
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.message_type} for v{self.version}"

"""Internal notes on documents and who is to review them: ours alone, never sent.

Both point at any family's document through contenttypes (`document_type`,
`document_id`), so invoices, purchase orders and notes share them. Both are
append-only: a note is never edited, and an assignment is a new row, so the
history of who was asked to look, by whom and when, is kept.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

NOTE_MAX_LENGTH = 2000


class AppendOnly(models.Model):
    """A row written once: saving it again or deleting it is refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError(f"A {self._meta.verbose_name} is never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"A {self._meta.verbose_name} is never deleted.")


class Note(AppendOnly):
    """A remark staff leave on a document for each other (internal: never on the wire)."""

    document_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    document_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("document_type", "document_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="desk_notes"
    )
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["document_type", "document_id", "created_at", "id"]
        indexes = [models.Index(fields=["document_type", "document_id", "created_at"])]

    def __str__(self):
        return f"{self.author} on {self.created_at:%Y-%m-%d %H:%M}: {self.text[:40]}"


class Assignment(AppendOnly):
    """One hand-over of a document to a reviewer; the latest row is who has it now.

    `assignee` empty means the document was released (nobody has it).
    """

    document_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    document_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("document_type", "document_id")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="desk_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document_type", "document_id", "assigned_at", "id"]
        indexes = [models.Index(fields=["document_type", "document_id", "assigned_at"])]

    def __str__(self):
        return f"{self.document_type.model} {self.document_id} to {self.assignee or 'nobody'}"


# A tally row's key: the family's table and what its documents are counted by.
KEY = ["document_table", "kind", "role", "status", "day", "counterparty_id", "unsent"]


class Tally(models.Model):
    """How many documents of one family share a key, and their total value: the home
    page's figures, kept by the database as documents change (`tallies.py`).

    Each change to a family's table adds rows here (+1 and its value for a document as
    it now is, -1 for it as it was), in the same transaction, from the table's own
    triggers; `tallies.fold` sums them into one folded row per key. A figure is the sum
    over the rows of its keys, folded or not.
    """

    class Kind(models.TextChoices):
        DATE = "date", "by role, status, undecided-or-sent and document date"
        DUE = "due", "by status and due date"
        COUNTERPARTY = "party", "by status and counterparty"

    document_table = models.CharField(max_length=63)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    role = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=40)
    day = models.DateField(null=True)
    counterparty_id = models.BigIntegerField(null=True)
    # No request of ours on its way (`pending_message` empty); DATE rows only.
    unsent = models.BooleanField(null=True)
    count = models.BigIntegerField()
    value = models.DecimalField(max_digits=30, decimal_places=2)
    folded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=KEY,
                condition=models.Q(folded=True),
                nulls_distinct=False,
                name="desk_tally_one_folded_row_per_key",
            )
        ]
        indexes = [models.Index(fields=["document_table", "kind", "status"])]

    def __str__(self):
        return f"{self.document_table} {self.kind} {self.status}: {self.count}"

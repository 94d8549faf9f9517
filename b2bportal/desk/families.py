"""The document families the desk counts, and the conditions it counts them by.

Every family shares the document's life (status, role, a pending request of ours, the
network's last refusal, a counterparty, a total, a document date and a due date), so
one set of conditions serves all. A family is one `Family` entry in `FAMILIES`:
purchase orders and credit/debit notes plug in by adding theirs.

The same conditions back the home page's counts and the admin list filters its links
open (`b2bportal.desk.filters`), so a number and the list behind it cannot disagree.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

# How long a request of ours may await the network's result before it is overdue. The
# setting belongs to the outbound side; the desk reads it with the same default.
DEFAULT_RESULT_OVERDUE_SECONDS = 3600


@dataclass(frozen=True)
class Family:
    """One kind of document as the desk sees it: where it lives and what its statuses mean."""

    key: str
    label: str
    model_label: str  # "app_label.ModelName"
    history_model_label: str  # its status history ("app_label.ModelName")
    statuses_path: str  # "module.TextChoices" of its statuses
    # A received document waiting for our decision is ours as `review_role` and in
    # `review_status` (one status, so the list's status filter shows exactly these),
    # unless the family's list has its own filter for them: `review_statuses` and the
    # querystring `review_filter` of that list.
    review_role: str
    review_status: str
    # Statuses in which a document is settled: no longer outstanding.
    settled_statuses: tuple[str, ...]
    # The statuses our decisions ask for (accept, reject, return), in the order shown.
    decision_statuses: tuple[str, ...] = field(default=())
    date_field: str = "invoice_date"
    due_field: str = "due_date"  # "due this week" counts by it
    # How the home page names the family's rows, date and "due" figure.
    count_heading: str = "Invoices"
    date_label: str = "invoice date"
    due_label: str = "Due this week"
    due_word: str = "due"  # the due figure's hint: "outstanding, due 01/12/2026 to ..."
    review_statuses: tuple[str, ...] = field(default=())
    review_filter: tuple[tuple[str, str], ...] = field(default=())

    @property
    def statuses_to_review(self) -> tuple[str, ...]:
        return self.review_statuses or (self.review_status,)

    @property
    def model(self):
        return apps.get_model(self.model_label)

    @property
    def history_model(self):
        return apps.get_model(self.history_model_label)

    @property
    def statuses(self):
        return import_string(self.statuses_path)

    @property
    def tally_columns(self) -> tuple[str, str, str]:
        """(table, date column, due column): what its tally (`tallies.py`) reads."""
        meta = self.model._meta
        return (
            meta.db_table,
            meta.get_field(self.date_field).column,
            meta.get_field(self.due_field).column,
        )

    def changelist(self) -> str:
        meta = self.model._meta
        return f"admin:{meta.app_label}_{meta.model_name}_changelist"

    def history_changelist(self) -> str:
        meta = self.history_model._meta
        return f"admin:{meta.app_label}_{meta.model_name}_changelist"

    def permission(self, action: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{action}_{meta.model_name}"


FAMILIES: list[Family] = [
    Family(
        key="invoices",
        label="Invoices",
        model_label="invoices.Invoice",
        history_model_label="invoices.StatusChange",
        statuses_path="invoices.choices.Status",
        review_role="buyer",
        review_status="SENT_TO_BUYER",
        # Created (not yet sent) is ours to finish, not outstanding with anyone.
        settled_statuses=(
            "CREATED",
            "FULLY_PAID",
            "CLOSED",
            "CANCELLED",
            "DELETED",
            "REJECTED",
            "ABANDONED",
        ),  # fmt: skip
        decision_statuses=("ACCEPTED", "REJECTED", "UNDER_REVIEW"),
    ),
    Family(
        key="purchase_orders",
        label="Purchase orders",
        model_label="purchase_orders.PurchaseOrder",
        history_model_label="purchase_orders.PurchaseOrderStatusChange",
        statuses_path="purchase_orders.choices.Status",
        # A buyer's order to us awaits our confirmation, also after we returned it.
        review_role="supplier",
        review_status="SENT_TO_SUPPLIER",
        review_statuses=("SENT_TO_SUPPLIER", "UNDER_REVIEW"),
        review_filter=(("awaiting_confirmation", "yes"),),
        # Not yet sent, refused, invoiced in full or ended: nothing more to come.
        settled_statuses=("CREATED", "REJECTED", "FULLY_INVOICED", "CANCELLED", "CLOSED"),
        decision_statuses=("ACCEPTED", "REJECTED", "UNDER_REVIEW"),
        date_field="order_date",
        due_field="delivery_date",
        count_heading="Orders",
        date_label="order date",
        due_label="Delivery this week",
        due_word="delivery",
    ),
]


def family_of(model) -> Family:
    """The family whose documents are `model`'s rows."""
    label = model._meta.label
    return next(family for family in FAMILIES if family.model_label == label)


def family_by_key(key: str) -> Family | None:
    """The family named `key` in URLs ("invoices"), or None."""
    return next((family for family in FAMILIES if family.key == key), None)


def document_url(document) -> str:
    """The admin page of one document of any family."""
    meta = document._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[document.pk])


def status_label(value) -> str:
    """The human label of a status value of any family ("Sent to buyer"); else as given."""
    for family in FAMILIES:
        statuses = family.statuses
        if value in statuses.values:
            return str(statuses(value).label)
    return value or ""


# -- the conditions ----------------------------------------------------------------------


def result_overdue_after() -> timedelta:
    seconds = getattr(settings, "ENKASH_RESULT_OVERDUE_SECONDS", DEFAULT_RESULT_OVERDUE_SECONDS)
    return timedelta(seconds=float(seconds))


def among(keys) -> Q:
    """The documents whose key is one of `keys` (a subquery of a few keys, no reference to
    the outer row), read once and then looked up by key (`pk = ANY(ARRAY(...))`).

    A list filtered on a condition few documents meet: written as a join, `IN` or
    `EXISTS` over every row, the planner cannot tell how few rows match and reads the
    list's index from the top testing row after row (at a million documents, hundreds
    of milliseconds); an array computed first is an index condition on the primary key,
    a few look-ups whatever the table's size.

    Not for a condition tested on rows read anyway (a list's column, a count over the
    table): there `= ANY` compares each row with every key. The conditions below take
    `per_row=True` for those and are then the plain per-row test."""
    return Q(
        Func(
            F("pk"),
            ArraySubquery(keys),
            arg_joiner=" = ANY(",
            template="%(expressions)s)",
            output_field=BooleanField(),
        )
    )


def _few(family: Family, condition: Q, per_row: bool) -> Q:
    """`condition`, met by few documents: as it is per row, else their keys read first."""
    if per_row:
        return condition
    return among(family.model._base_manager.order_by().filter(condition).values("pk"))


def pending() -> Q:
    """A request of ours awaits the network (and has not failed for good)."""
    return Q(pending_message__isnull=False) & ~Q(pending_message__state="failed")


def in_review(family: Family) -> Q:
    """Received, in a status that waits for our decision (a document's role and status:
    also a condition on the desk's tallies)."""
    return Q(role=family.review_role, status__in=family.statuses_to_review)


def awaiting_review(family: Family) -> Q:
    """Received, waiting for our decision, and no decision of ours on its way."""
    return in_review(family) & ~pending()


def requested_or_refused() -> Q:
    """A request of ours on its way or failed, or a refusal: the predicate of the partial
    index `*_attention_updated` (migrations), so a filter that adds it reads only that
    index's few documents."""
    return Q(pending_message__isnull=False) | ~Q(last_error_code="")


def failed_request() -> Q:
    """Our last request could not be delivered (`pending_message` failed for good)."""
    return requested_or_refused() & Q(pending_message__state="failed")


def failed(family: Family, per_row: bool = False) -> Q:
    """Our last request could not be delivered, or the network refused it.

    As a list's filter, also "a request or a refusal": the predicate of the partial
    index `*_attention_updated` (migrations), which holds those few documents in the
    list's order, so the list walks it and stops at the page's last row."""
    failing = Q(pending_message__isnull=False, pending_message__state="failed")
    refused = Q(pending_message__isnull=True) & ~Q(last_error_code="")
    if per_row:
        return failing | refused
    return requested_or_refused() & (failing | refused)


def overdue_at_network(family: Family, now=None, per_row: bool = False) -> Q:
    """A request of ours has awaited the network's result for longer than it should."""
    cutoff = (now or timezone.now()) - result_overdue_after()
    return _few(family, pending() & Q(pending_message__created_at__lt=cutoff), per_row)


def conflict(family: Family, per_row: bool = False) -> Q:
    """A version conflicting with one we hold arrived since the document last changed.

    Read from the few conflicting messages (partial index `inbound_version_conflict`),
    the family's content type a constant looked up once (Django caches it), not a join:
    joined, the planner expected a handful of documents and read the whole table."""
    model = family.model
    messages = apps.get_model("network", "InboundMessage").objects.order_by()
    conflicting = messages.filter(
        document_type_id=ContentType.objects.get_for_model(model).pk,
        error_code="VERSION_CONFLICT",
    )
    if per_row:
        return Q(
            Exists(
                conflicting.filter(
                    document_id=OuterRef("pk"), received_at__gt=OuterRef("updated_at")
                )
            )
        )
    changed_at = model._base_manager.order_by().filter(pk=OuterRef("document_id"))
    conflicting = conflicting.filter(received_at__gt=Subquery(changed_at.values("updated_at")[:1]))
    return among(conflicting.values("document_id"))


def needs_attention(family: Family, now=None, per_row: bool = False) -> Q:
    """Anything a person must look at: failed or refused, overdue at the network, conflict."""
    return (
        failed(family, per_row)
        | overdue_at_network(family, now, per_row)
        | conflict(family, per_row)
    )


def outstanding(family: Family) -> Q:
    """Sent and not settled: still to be paid (or received) in full (a condition on the
    status: also one on the desk's tallies)."""
    return ~Q(status__in=family.settled_statuses)


# The reasons a document needs attention, by the value the list filter takes.
# Each condition is called with (family, now, per_row) (`among` says what per_row is).
ATTENTION_REASONS = {
    "any": ("Any reason", needs_attention),
    "failed": ("Failed or refused", lambda family, now, per_row: failed(family, per_row)),
    "overdue": ("Overdue at the network", overdue_at_network),
    "conflict": ("Version conflict", lambda family, now, per_row: conflict(family, per_row)),
}

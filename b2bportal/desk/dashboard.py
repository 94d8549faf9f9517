"""The numbers on a person's home page, each with the link to the list behind it.

Per family, each figure is read where its rows are. The ageing, the documents to
review, those due this week and the top counterparties are sums over the family's
tally (`tallies.py`: counts the database keeps as documents change, a few thousand
rows whatever the number of documents), one query each, plus one count of the few
documents to review whose request of ours failed, and one read of the five
counterparties' names. The rest count their few documents from their indexes: one
count per reason a document needs attention and one for those pending at the network,
one of the documents assigned to the person, one for the week's decisions; the
network's own counts add one query for those who can retry. The page costs the same
number of queries whatever the data (one fewer for a family with nothing outstanding:
no names to read).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from b2bportal.indian import dmy

from . import families as conditions
from .families import FAMILIES, Family
from .models import Tally
from .services import assigned_to

# Outstanding documents by days since their date: (label, fewest days, most days).
AGE_BUCKETS = [
    ("0-7 days", 0, 7), ("8-15 days", 8, 15), ("16-30 days", 16, 30), ("30+ days", 31, None),
]  # fmt: skip
TOP_COUNTERPARTIES = 5
WEEK_DAYS = 7
# The reasons shown on the page, each with the `attention` filter value of its list.
ATTENTION_FIGURES = [
    (
        "failed",
        "Failed or refused",
        "our request could not be delivered, or the network refused it",
    ),
    ("overdue", "Overdue at the network", "our request has waited too long for its result"),
    ("conflict", "Version conflicts", "a version arrived that differs from the one we hold"),
]
ROLES = [("buyer", "Payables (we buy)"), ("supplier", "Receivables (we supply)")]


def list_link(url_name: str, **params) -> str:
    """The admin list at `url_name` filtered by `params` (their order kept)."""
    return reverse(url_name) + ("?" + urlencode(params) if params else "")


@dataclass
class Figure:
    """One number on the page: what it counts, how many, their value, where to see them."""

    label: str
    count: int
    url: str
    value: object = None
    share: float = 0.0  # of the largest in its chart, 0..100, for the bar's width
    hint: str = ""


@dataclass
class FamilyDesk:
    """Everything the home page shows about one family."""

    family: Family
    can_decide: bool
    can_export: bool
    attention: list[Figure] = field(default_factory=list)
    attention_total: int = 0
    waiting: list[Figure] = field(default_factory=list)
    ageing: dict[str, list[Figure]] = field(default_factory=dict)
    counterparties: list[Figure] = field(default_factory=list)
    decisions: list[Figure] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)


def _with_shares(figures: list[Figure], by_value: bool = True) -> list[Figure]:
    largest = max(((f.value or 0) if by_value else f.count for f in figures), default=0)
    for figure in figures:
        amount = (figure.value or 0) if by_value else figure.count
        figure.share = round(float(amount) * 100 / float(largest), 1) if largest else 0.0
    return figures


def _age_condition(fewest: int, most: int | None, today) -> Q:
    """A tally row's date `fewest` to `most` days before `today`."""
    condition = Q(day__lte=today - timedelta(days=fewest))
    if most is not None:
        condition &= Q(day__gte=today - timedelta(days=most))
    return condition


def _age_params(family: Family, fewest: int, most: int | None, today) -> dict:
    params = {}
    if most is not None:
        params[f"{family.date_field}_from"] = dmy(today - timedelta(days=most))
    params[f"{family.date_field}_to"] = dmy(today - timedelta(days=fewest))
    return params


def _tally(family: Family, kind: str):
    """The tally rows of `kind` of the family's documents outstanding."""
    return Tally.objects.filter(
        conditions.outstanding(family), document_table=family.model._meta.db_table, kind=kind
    )


def _ageing(family: Family, today) -> dict:
    """{(role, bucket): (count, value)} of the outstanding documents, every role and
    bucket, in one pass over the tally by date."""
    bucket = Case(
        *[
            When(_age_condition(fewest, most, today), then=Value(index))
            for index, (_, fewest, most) in enumerate(AGE_BUCKETS)
        ],
        default=None,
        output_field=IntegerField(),
    )
    rows = (
        _tally(family, Tally.Kind.DATE)
        .filter(role__in=[role for role, _ in ROLES])
        .annotate(desk_age=bucket)
        .filter(desk_age__isnull=False)  # dated after today, or undated: in no bucket
        .values("role", "desk_age")
        .annotate(count=Sum("count"), value=Sum("value"))
        .order_by()
    )
    ageing = {(role, index): (0, 0) for role, _ in ROLES for index in range(len(AGE_BUCKETS))}
    ageing |= {(row["role"], row["desk_age"]): (row["count"], row["value"]) for row in rows}
    return ageing


def _summed(tally) -> tuple[int, object]:
    figures = tally.aggregate(count=Sum("count"), value=Sum("value"))
    return figures["count"] or 0, figures["value"] or 0


def _to_review(family: Family) -> tuple[int, object]:
    """(count, value) of the documents awaiting our decision (`awaiting_review`): those
    with no request of ours on its way, from the tally, and the few whose request
    failed, from their documents."""
    in_review = conditions.in_review(family)
    unsent = _summed(_tally(family, Tally.Kind.DATE).filter(in_review, unsent=True))
    failed = family.model.objects.filter(in_review & conditions.failed_request()).aggregate(
        count=Count("pk"), value=Sum("total_value")
    )
    return unsent[0] + failed["count"], unsent[1] + (failed["value"] or 0)


def family_desk(family: Family, user, now) -> FamilyDesk:
    """The figures of one family for `user` (the queries the module docstring lists)."""
    today = timezone.localdate(now)
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    changelist = family.changelist()
    due = family.due_field
    documents = family.model.objects
    # Each figure is read where its rows are: pending and the reasons for attention from
    # their few documents' indexes (`families.among`), the sums from the tally.
    counts = {
        reason: documents.filter(condition(family, now, False)).count()
        for reason, (_, condition) in conditions.ATTENTION_REASONS.items()
    }
    counts["pending"] = documents.filter(conditions.pending()).count()
    to_review = _to_review(family)
    due_week = _summed(_tally(family, Tally.Kind.DUE).filter(day__gte=today, day__lte=week_end))
    ageing = _ageing(family, today)

    desk = FamilyDesk(
        family=family,
        can_decide=user.has_perm(family.permission("decide")),
        can_export=user.has_perm(family.permission("export")),
    )
    desk.attention = [
        Figure(label, counts[reason], list_link(changelist, attention=reason), hint=hint)
        for reason, label, hint in ATTENTION_FIGURES
    ]
    desk.attention_total = counts["any"]
    review_params = dict(family.review_filter) or {
        "role__exact": family.review_role,
        "status__exact": family.review_status,
        "pending": "no",
    }
    desk.waiting = [
        Figure(
            "To review",
            to_review[0],
            list_link(changelist, **review_params),
            value=to_review[1],
            hint=" or ".join(conditions.status_label(s) for s in family.statuses_to_review)
            + ", awaiting our decision",
        ),
        Figure(
            "Pending at the network",
            counts["pending"],
            list_link(changelist, pending="yes"),
            hint="our decision sent, awaiting the network's result",
        ),
        Figure(
            family.due_label,
            due_week[0],
            list_link(
                changelist,
                outstanding="yes",
                **{f"{due}_from": dmy(today), f"{due}_to": dmy(week_end)},
            ),
            value=due_week[1],
            hint=f"outstanding, {family.due_word} {dmy(today)} to {dmy(week_end)}",
        ),
    ]
    for role, role_label in ROLES:
        desk.ageing[role_label] = _with_shares(
            [
                Figure(
                    label,
                    ageing[role, bucket][0],
                    list_link(
                        changelist,
                        role__exact=role,
                        outstanding="yes",
                        **_age_params(family, fewest, most, today),
                    ),
                    value=ageing[role, bucket][1],
                )
                for bucket, (label, fewest, most) in enumerate(AGE_BUCKETS)
            ]
        )
    if desk.can_decide:
        desk.waiting.insert(0, _assigned_to(family, user, changelist))
    desk.counterparties = _top_counterparties(family, changelist)
    desk.decisions = _week_decisions(family, today)
    history = family.history_changelist()
    desk.links = {"list": reverse(changelist), "history": reverse(history)}
    return desk


def _assigned_to(family: Family, user, changelist: str) -> Figure:
    """The documents currently assigned to `user`, whatever their status (one query)."""
    count = family.model.objects.filter(assigned_to(family.model, user.pk)).count()
    return Figure(
        "Assigned to you",
        count,
        list_link(changelist, assigned="me"),
        hint="given to you to review",
    )


def _top_counterparties(family: Family, changelist: str) -> list[Figure]:
    """The counterparties with the most outstanding value, from the tally; their few
    names read after."""
    rows = list(
        _tally(family, Tally.Kind.COUNTERPARTY)
        .values("counterparty_id")
        .annotate(count=Sum("count"), value=Sum("value"))
        .filter(count__gt=0)  # rows of one that now has none sum to nothing
        .order_by("-value", "counterparty_id")[:TOP_COUNTERPARTIES]
    )
    counterparty = family.model._meta.get_field("counterparty").related_model
    names = counterparty.objects.in_bulk([row["counterparty_id"] for row in rows])
    return _with_shares(
        [
            Figure(
                _party_name(names.get(row["counterparty_id"])),
                row["count"],
                list_link(
                    changelist, counterparty__id__exact=row["counterparty_id"], outstanding="yes"
                ),
                value=row["value"] or 0,
            )
            for row in rows
        ]
    )


def _party_name(party) -> str:
    return (party.trade_name or party.legal_name or "-") if party is not None else "-"


def _week_decisions(family: Family, today) -> list[Figure]:
    """Our decisions requested in the last seven days, by the status each asked for."""
    since = today - timedelta(days=WEEK_DAYS - 1)
    # From the start of that day here: a bound the history's index on `at` serves (the
    # date of every row, `at__date`, would be computed over the whole table).
    since_start = timezone.make_aware(datetime.combine(since, time.min))
    counts = dict(
        family.history_model.objects.filter(
            kind="requested",
            to_status__in=family.decision_statuses,
            at__gte=since_start,
        )
        .values_list("to_status")
        .annotate(count=Count("pk"))
    )
    history = family.history_changelist()
    return _with_shares(
        [
            Figure(
                conditions.status_label(status),
                counts.get(status, 0),
                list_link(
                    history, kind__exact="requested", to_status__exact=status, at_from=dmy(since)
                ),
            )
            for status in family.decision_statuses
        ],
        by_value=False,
    )


def network_figures(user) -> list[Figure]:
    """Failed calls and deliveries, for those who can send a call again (one query each)."""
    if not user.has_perm("network.retry_outboundmessage"):
        return []
    outbound = apps.get_model("network", "OutboundMessage")
    inbound = apps.get_model("network", "InboundMessage")
    return [
        Figure(
            "Our calls failed",
            outbound.objects.filter(state="failed").count(),
            list_link("admin:network_outboundmessage_changelist", state__exact="failed"),
            hint="retry them once the cause is fixed",
        ),
        Figure(
            "Webhooks failed",
            inbound.objects.filter(outcome="failed").count(),
            list_link("admin:network_inboundmessage_changelist", outcome__exact="failed"),
            hint="reprocess them once the cause is fixed",
        ),
    ]


def home_figures(user, now=None) -> dict:
    """The home page of `user`: the families they may see, and the network for admins."""
    now = now or timezone.now()
    desks = [
        family_desk(family, user, now)
        for family in FAMILIES
        if user.has_perm(family.permission("view"))
    ]
    return {
        "desks": desks,
        "network": network_figures(user),
        "attention_total": sum(desk.attention_total for desk in desks),
        "now": now,
    }

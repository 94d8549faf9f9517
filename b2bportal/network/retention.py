"""Retention of inbound evidence: raw bodies of answered messages cleared after N days.

A webhook body can be up to 2 MiB and EnKash sends thousands a day; once a message
has been applied (or recognised as a duplicate) and its reply sent, the row, its
outcome, fingerprint, identifiers and reply are what staff and de-duplication need,
not the bytes. Bodies of failed, awaiting-handler, interrupted, invalid or unmatched
messages are never cleared: they are what reprocessing and investigations read.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import InboundMessage, InboundRejection

Outcome = InboundMessage.Outcome

# Only these outcomes are final and fully reflected in the database.
PRUNABLE = (Outcome.PROCESSED, Outcome.DUPLICATE)
BATCH = 1000  # rows per transaction: short locks, bounded memory


def prune_inbound(days: int | None = None, *, now=None) -> tuple[int, int]:
    """Clear the bodies of processed and duplicate messages older than `days` days, and
    delete refusal counts older than that; returns (bodies cleared, refusal rows deleted).

    `days` defaults to ENKASH_INBOUND_RETENTION_DAYS; None (the default setting) keeps
    everything. The row keeps its size (`body_size`) and says when it was pruned.
    """
    days = settings.ENKASH_INBOUND_RETENTION_DAYS if days is None else days
    if days is None:
        return 0, 0
    if days < 0:
        raise ValueError("the retention must be 0 days or more")
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    prunable = InboundMessage.objects.filter(
        outcome__in=PRUNABLE, received_at__lt=cutoff, body_pruned_at__isnull=True
    )
    cleared = 0
    # In batches, each its own short statement: a final row is never written again, so
    # nothing else contends for it. Each batch leaves the filter, so the loop ends.
    while batch := list(prunable.order_by("id").values_list("pk", flat=True)[:BATCH]):
        cleared += InboundMessage.objects.filter(pk__in=batch).update(body=b"", body_pruned_at=now)
    refusals, _ = InboundRejection.objects.filter(day__lt=cutoff.date()).delete()
    return cleared, refusals

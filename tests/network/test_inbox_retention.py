"""Retention: raw bodies of old processed and duplicate messages are cleared, nothing else."""

import datetime
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from b2bportal.network import inbox, tasks
from b2bportal.network.models import InboundMessage, InboundRejection

from .conftest import WIDGET_SEND, minimal_body

pytestmark = pytest.mark.django_db
Outcome = InboundMessage.Outcome
RAW = json.dumps(minimal_body(WIDGET_SEND)).encode()


def stored(outcome: str, age_days: float) -> InboundMessage:
    return InboundMessage.objects.create(
        method="POST", path=WIDGET_SEND, message_type="test_widget.send", body=RAW,
        body_size=len(RAW), outcome=outcome, fingerprint=f"{outcome}-{age_days}",
        reply_status=200, reply_body={"response_code": 0},
        received_at=timezone.now() - timedelta(days=age_days),
    )  # fmt: skip


def refusal_on(day: datetime.date) -> InboundRejection:
    at = timezone.now().replace(year=day.year, month=day.month, day=day.day)
    return InboundRejection.objects.create(
        day=day, path=WIDGET_SEND, source="192.0.2.1", reason="X-Webhook-Token missing or wrong",
        count=3, first_seen=at, last_seen=at, last_size=2, last_first_bytes=b"{}",
    )  # fmt: skip


@pytest.fixture
def rows():
    """Old rows of every outcome, and recent processed and duplicate ones."""
    old = {outcome: stored(outcome, 31) for outcome in Outcome.values}
    recent = [stored(Outcome.PROCESSED, 29), stored(Outcome.DUPLICATE, 29)]
    return old, recent


def bodies() -> dict:
    return {
        pk: (bytes(body), pruned is not None)
        for pk, body, pruned in InboundMessage.objects.values_list("pk", "body", "body_pruned_at")
    }


def test_only_old_processed_and_duplicate_bodies_are_cleared(rows):
    old, recent = rows
    today = timezone.now().date()
    old_refusal, new_refusal = refusal_on(today - timedelta(days=40)), refusal_on(today)

    call_command("prune_inbound", "--days", "30")

    pruned = {old[Outcome.PROCESSED].pk, old[Outcome.DUPLICATE].pk}
    assert bodies() == {pk: (b"", True) if pk in pruned else (RAW, False) for pk in bodies()}
    assert len(bodies()) == len(Outcome.values) + 2
    # The row keeps its outcome, fingerprint, reply and size.
    processed = InboundMessage.objects.get(pk=old[Outcome.PROCESSED].pk)
    assert (processed.outcome, processed.fingerprint, processed.reply_status) == (
        Outcome.PROCESSED, "processed-31", 200,
    )  # fmt: skip
    assert (processed.reply_body, processed.body_size) == ({"response_code": 0}, len(RAW))
    assert list(InboundRejection.objects.values_list("pk", flat=True)) == [new_refusal.pk]
    assert not InboundRejection.objects.filter(pk=old_refusal.pk).exists()


def test_a_second_run_changes_nothing(rows):
    call_command("prune_inbound", "--days", "30")
    first = InboundMessage.objects.filter(body_pruned_at__isnull=False).values_list(
        "pk", "body_pruned_at"
    )
    first = sorted(first)

    call_command("prune_inbound", "--days", "30")

    assert (
        sorted(
            InboundMessage.objects.filter(body_pruned_at__isnull=False).values_list(
                "pk", "body_pruned_at"
            )
        )
        == first
    )


# The task drops stale connections as a worker does: only outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_without_the_setting_everything_is_kept(rows, settings, capsys):
    settings.ENKASH_INBOUND_RETENTION_DAYS = None

    call_command("prune_inbound")
    tasks.prune_inbound(timestamp=0)

    assert "everything is kept" in capsys.readouterr().out
    assert set(bodies().values()) == {(RAW, False)}


# The task drops stale connections as a worker does: only outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_setting_drives_the_command_and_the_daily_task(rows, settings, capsys):
    settings.ENKASH_INBOUND_RETENTION_DAYS = 30

    tasks.prune_inbound(timestamp=0)

    assert InboundMessage.objects.filter(body_pruned_at__isnull=False).count() == 2
    settings.ENKASH_INBOUND_RETENTION_DAYS = 28
    call_command("prune_inbound")
    assert InboundMessage.objects.filter(body_pruned_at__isnull=False).count() == 4
    assert "Cleared 2 message body(ies); deleted 0 refusal count(s)." in capsys.readouterr().out


def test_the_prune_task_runs_daily():
    from procrastinate.contrib.django import app

    periodic = app.periodic_registry.periodic_tasks[(tasks.PRUNE_TASK, "prune-inbound")]
    assert periodic.cron == "17 3 * * *"


def test_a_pruned_body_is_never_reprocessed_and_the_admin_says_it_was_pruned(admin_client):
    row = stored(Outcome.PROCESSED, 40)
    call_command("prune_inbound", "--days", "1")

    page = admin_client.get(f"/admin/network/inboundmessage/{row.pk}/change/")

    assert f"({len(RAW)} bytes, pruned " in page.content.decode()
    with pytest.raises(ValueError):
        inbox.reprocess(InboundMessage.objects.get(pk=row.pk))


def test_a_negative_retention_is_refused(rows):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("prune_inbound", "--days", "-1")
    assert set(bodies().values()) == {(RAW, False)}

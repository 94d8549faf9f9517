"""Clear raw bodies of old processed and duplicate inbound messages (the retention)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b2bportal.network.retention import prune_inbound


class Command(BaseCommand):
    help = (
        "Clear the raw bodies of processed and duplicate inbound messages older than "
        "--days (default ENKASH_INBOUND_RETENTION_DAYS) and delete refusal counts older "
        "than that. Failed, awaiting, interrupted, invalid and unmatched ones are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="retention in days (overrides the setting)")

    def handle(self, *args, days, **options):
        if days is None and settings.ENKASH_INBOUND_RETENTION_DAYS is None:
            self.stdout.write("ENKASH_INBOUND_RETENTION_DAYS is not set: everything is kept.")
            return
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        cleared, refusals = prune_inbound(days)
        self.stdout.write(
            f"Cleared {cleared} message body(ies); deleted {refusals} refusal count(s)."
        )

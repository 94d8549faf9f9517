"""`manage.py retry_outbound`: send failed outbound messages again (same reqMsgId and body)."""

from django.core.management.base import BaseCommand, CommandError

from b2bportal.network.delivery import RetryRefused, requeue_stranded, retry
from b2bportal.network.models import OutboundMessage


class Command(BaseCommand):
    help = (
        "Queue failed outbound messages again, by id or all failed ones (optionally of one "
        "message type); --stranded re-defers open messages that no job will deliver."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="OutboundMessage ids")
        parser.add_argument("--all-failed", action="store_true", help="every failed message")
        parser.add_argument(
            "--type", default="", help="only this message type (invoice.confirm, ...)"
        )
        parser.add_argument("--stranded", action="store_true", help="re-defer stranded messages")

    def handle(self, *args, ids, all_failed, type, stranded, **options):  # noqa: A002
        if stranded:
            requeued = requeue_stranded()
            self.stdout.write(f"Re-deferred {len(requeued)} stranded message(s): {requeued}")
        if not ids and not all_failed:
            if stranded:
                return
            raise CommandError("Name message ids, or use --all-failed or --stranded.")
        messages = OutboundMessage.objects.filter(state=OutboundMessage.State.FAILED)
        if ids:
            messages = OutboundMessage.objects.filter(pk__in=ids)
            found = set(messages.values_list("pk", flat=True))
            if missing := sorted(set(ids) - found):
                raise CommandError(f"No outbound message with id {missing}")
        if type:
            messages = messages.filter(message_type=type)
        retried = 0
        for message in messages.order_by("id"):
            try:
                retry(message, actor="retry_outbound command")
            except RetryRefused as refused:
                self.stderr.write(f"#{message.pk}: {refused}")
                continue
            retried += 1
        self.stdout.write(f"Queued {retried} message(s) again.")

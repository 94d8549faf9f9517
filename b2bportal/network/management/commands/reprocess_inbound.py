"""Process inbound messages again from their stored bytes (after a fix, or a new handler)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from b2bportal.network import inbox
from b2bportal.network.models import InboundMessage

Outcome = InboundMessage.Outcome


class Command(BaseCommand):
    help = (
        "Reprocess inbound messages: the given ids, or every --failed, --awaiting-handler, "
        "--interrupted or --all (the three) message. Only failed, awaiting-handler and "
        "interrupted (left 'received' for over 5 minutes) messages are redone."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="InboundMessage ids")
        parser.add_argument("--failed", action="store_true", help="every failed message")
        parser.add_argument(
            "--awaiting-handler", action="store_true", help="every message awaiting a handler"
        )
        parser.add_argument(
            "--interrupted",
            action="store_true",
            help="every message whose processing was cut short (left 'received')",
        )
        parser.add_argument("--all", action="store_true", help="all three kinds")

    def handle(self, *args, ids, failed, awaiting_handler, interrupted, all, **options):
        outcomes = set()
        if failed or all:
            outcomes.add(Outcome.FAILED)
        if awaiting_handler or all:
            outcomes.add(Outcome.AWAITING_HANDLER)
        if interrupted or all:
            outcomes.add(Outcome.RECEIVED)
        if not ids and not outcomes:
            raise CommandError(
                "Give message ids, or --failed, --awaiting-handler, --interrupted or --all."
            )
        if ids:
            found = set(InboundMessage.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if missing := sorted(set(ids) - found):
                raise CommandError(f"No inbound message with id {missing}")
        selected = Q(pk__in=ids) if ids else Q()
        if outcomes:
            selected |= Q(outcome__in=outcomes)
        # Oldest first: the order the sender meant them in.
        pks = list(
            InboundMessage.objects.filter(selected)
            .filter(inbox.reprocessable())
            .order_by("received_at", "id")
            .values_list("pk", flat=True)
        )
        counts: dict[str, int] = {}
        for pk in pks:
            message = InboundMessage.objects.get(pk=pk)
            try:
                inbox.reprocess(message)
            except ValueError:  # done meanwhile by someone else
                continue
            counts[message.outcome] = counts.get(message.outcome, 0) + 1
        summary = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items())) or "none"
        self.stdout.write(f"Reprocessed {sum(counts.values())} message(s). {summary}")

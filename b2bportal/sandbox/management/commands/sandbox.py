"""`manage.py sandbox`: an offline EnKash on its own port, optionally playing a scenario.

    manage.py sandbox                                  # serve on 127.0.0.1:8100
    manage.py sandbox --scenario demo-day              # ... and play the demo day
    manage.py sandbox --faults duplicate=0.3,error_5xx=0.2 --seed 7
    manage.py sandbox --scenario refusals --once       # play, wait, exit
    manage.py sandbox --list                           # the scenarios

Point the app at it with ENKASH_BASE_URL=http://127.0.0.1:8100 (and the same client
id/secret and webhook token/signing secret on both sides: the defaults are the
app's own settings).
"""

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b2bportal.sandbox.enkash import OfflineEnKash
from b2bportal.sandbox.faults import FaultPlan
from b2bportal.sandbox.scenarios import (
    SCENARIOS,
    our_orders,
    place_in_process,
    place_via_api,
    register_in_process,
    register_via_api,
    wait_until_healthy,
)


class Command(BaseCommand):
    help = "Run the offline EnKash sandbox (and play a named scenario against the app)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument(
            "--app-url",
            default="http://127.0.0.1:8000",
            help="Where the app's webhooks are served.",
        )
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="Traffic to play.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--faults",
            default="",
            help="e.g. duplicate=0.3,reorder=0.2,delay=0.5,delay_max=4,lose=0.1,"
            "error_5xx=0.2,timeout=0.05,timeout_seconds=20,refuse=0.1,fail=0.1",
        )
        parser.add_argument(
            "--result-delay",
            type=float,
            default=1.0,
            help="Seconds before a request's resp-* webhook.",
        )
        parser.add_argument(
            "--buyer-delay",
            type=float,
            default=5.0,
            help="Seconds before a buyer confirms an invoice we sent.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Refuse requests about invoices the sandbox never saw.",
        )
        parser.add_argument(
            "--api-token",
            default="",
            help="Register our businesses through /api/businesses/ with this "
            "token (default: straight in the database).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Exit after the scenario instead of serving on."
        )
        parser.add_argument("--list", action="store_true", help="List the scenarios and exit.")

    def handle(self, *args, **options):
        if options["list"]:
            for scenario in SCENARIOS.values():
                faults = f"  [{scenario.faults}]" if scenario.faults else ""
                self.stdout.write(f"{scenario.name:<14} {scenario.description}{faults}")
            return
        logging.getLogger("b2bportal.sandbox").setLevel(logging.INFO)
        try:
            plan = FaultPlan.parse(options["faults"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc))
        enkash = OfflineEnKash(
            options["app_url"],
            webhook_token=settings.ENKASH_WEBHOOK_TOKEN,
            signing_secret=settings.ENKASH_WEBHOOK_SIGNING_SECRET,
            host=options["host"],
            port=options["port"],
            client_id=settings.ENKASH_CLIENT_ID,
            client_secret=settings.ENKASH_CLIENT_SECRET,
            plan=plan,
            result_delay=options["result_delay"],
            buyer_delay=options["buyer_delay"],
            strict=options["strict"],
            seed=options["seed"],
        )
        try:
            enkash.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}")
        self.stdout.write(
            f"EnKash sandbox on {enkash.url} -> webhooks to {options['app_url']} "
            f"(faults: {plan.describe()}, seed {options['seed']})"
        )
        try:
            if options["scenario"]:
                self._play(enkash, options)
            if not options["once"]:
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            enkash.stop()

    def _play(self, enkash: OfflineEnKash, options) -> None:
        wait_until_healthy(options["app_url"])
        if options["api_token"]:
            registered = register_via_api(options["app_url"], options["api_token"])
        else:
            registered = register_in_process()
        self.stdout.write(f"Our businesses registered: {', '.join(registered) or 'already there'}")
        drafts = our_orders(options["scenario"], options["seed"])
        if drafts:
            if options["api_token"]:
                placed = place_via_api(options["app_url"], options["api_token"], drafts)
            else:
                placed = place_in_process(drafts)
            self.stdout.write(f"Our purchase orders placed and sent: {len(placed)}")
        played = enkash.play(options["scenario"])
        self.stdout.write(played.summary())
        failed = [d for d in played.deliveries if not d.lost and not d.ok]
        for delivery in failed:
            self.stderr.write(
                f"  {delivery.path} ({delivery.label}): {delivery.status} "
                f"{delivery.error or str(delivery.reply)[:300]}"
            )

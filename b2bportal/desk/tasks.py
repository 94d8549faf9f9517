"""Background jobs of the desk (procrastinate): fold the home page's tallies."""

from django.conf import settings
from django.db import transaction
from procrastinate.contrib.django import app

from b2bportal.background import in_worker

from . import tallies

FOLD_TASK = "desk.fold_tallies"


def _fold() -> None:
    with transaction.atomic():
        tallies.fold()


@app.periodic(cron=settings.DESK_TALLY_FOLD_CRON, periodic_id="fold-tallies")
@app.task(name=FOLD_TASK, queue="desk", queueing_lock=FOLD_TASK)
def fold_tallies(timestamp: int) -> None:
    """Every minute: sum the tally rows written since into one row per key."""
    in_worker(_fold)

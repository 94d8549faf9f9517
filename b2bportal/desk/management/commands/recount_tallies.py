"""Count every family's documents again into the home page's tallies."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from b2bportal.desk.families import FAMILIES
from b2bportal.desk.models import KEY
from b2bportal.desk.tallies import check as compare
from b2bportal.desk.tallies import recount


class Command(BaseCommand):
    help = (
        "Count every family's documents again into the home page's tallies (desk_tally), "
        "writers waiting meanwhile, and list every key whose kept count or value differed. "
        "With --check, only compare, in one snapshot, writing and locking nothing: any "
        "difference exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare, change nothing")

    def handle(self, *args, check, **options):
        differed = 0
        for family in FAMILIES:
            outermost = not connection.in_atomic_block
            with transaction.atomic():
                if check:
                    if outermost:  # one snapshot for the tally and the documents
                        with connection.cursor() as cursor:
                            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    differences = compare(*family.tally_columns)
                else:
                    differences = recount(*family.tally_columns)
            for key, (kept, counted) in sorted(differences.items(), key=str):
                named = " ".join(
                    f"{name}={value}" for name, value in zip(KEY[1:], key[1:], strict=True) if value
                )
                self.stdout.write(
                    f"{family.label} {named}: kept {kept[0]} worth {kept[1]}, "
                    f"counted {counted[0]} worth {counted[1]}"
                )
            self.stdout.write(f"{family.label}: {len(differences)} key(s) differed.")
            differed += len(differences)
        if check and differed:
            raise CommandError(f"{differed} key(s) of the tallies differ from the documents.")

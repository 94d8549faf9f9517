from django.core.management.base import BaseCommand

from b2bportal.staff.services import setup_roles


class Command(BaseCommand):
    help = "Create or update the staff role groups (Reviewer, Auditor) and their permissions."

    def handle(self, *args, **options):
        for name, group in setup_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")

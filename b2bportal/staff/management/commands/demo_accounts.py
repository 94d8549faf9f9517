from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b2bportal.staff.services import create_demo_accounts


class Command(BaseCommand):
    help = "Create the demo logins (administrator, reviewer, auditor). Development only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DEBUG=1).")
        self.stdout.write("Demo logins (user / password):")
        for username, password, purpose in create_demo_accounts():
            self.stdout.write(f"  {username:<9} / {password}   {purpose}")

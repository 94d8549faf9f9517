"""manage.py create_api_token USER: issue an API token for a user and print it."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from b2bportal.access.services import issue_token


class Command(BaseCommand):
    help = (
        "Issue a new API token for USER and print it (once: only its digest is kept). "
        "The user's previous tokens end after API_TOKEN_ROTATION_GRACE_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Lifetime in days (default API_TOKEN_LIFETIME_DAYS).",
        )

    def handle(self, *args, username, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        issued = issue_token(
            user, lifetime=timedelta(days=days or settings.API_TOKEN_LIFETIME_DAYS)
        )
        self.stdout.write(issued.key)
        self.stderr.write(f"Valid until {issued.token.expires_at.isoformat(timespec='seconds')}")

"""Creating the role groups and the demo accounts."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .roles import ROLES

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "b2bportal-demo"  # noqa: S105  (printed by make run; DEBUG only)
DEMO_ACCOUNTS = [
    # (username, role or None for superuser, what the account is for)
    ("admin", None, "administrator: everything, including users and settings"),
    ("reviewer", "Reviewer", "accounts reviewer: decides invoices"),
    ("auditor", "Auditor", "auditor: reads and exports, changes nothing"),
]


@transaction.atomic
def setup_roles() -> dict[str, Group]:
    """Make each role group hold exactly the permissions ROLES lists."""
    groups = {}
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None:
                logger.warning("Role %s: permission %s does not exist (yet)", name, perm)
                continue
            wanted.append(found)
        group.permissions.set(wanted)
        groups[name] = group
    return groups


@transaction.atomic
def create_demo_accounts() -> list[tuple[str, str, str]]:
    """Create (or reset) the demo logins; returns (username, password, purpose) rows."""
    groups = setup_roles()
    user_model = get_user_model()
    rows = []
    for username, role, purpose in DEMO_ACCOUNTS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = role is None
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([groups[role]] if role else [])
        rows.append((username, DEMO_PASSWORD, purpose))
    return rows

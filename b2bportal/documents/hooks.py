"""Where another app joins a family's versions without the family importing it.

Packages import one way only: purchase orders match invoices against themselves, so
`purchase_orders` imports `invoices`, never the reverse. The invoice's checks and its
applied version still have to reach the match; they do through the two hooks here,
which any family (credit notes, payments) can offer the same way:

- **version checks**: `add_version_check(family, check)` registers
  `check(document, version, items) -> [(code, field, message), ...]`; the family's own
  checks call `version_checks(family, ...)` and store what they return beside their
  own findings. A check runs on every version written (applied, parked or superseded).
- **version applied**: `version_applied` is sent by `documents.services.make_current`
  (sender: the family's document model; `document`, `version`) before the caller
  saves the document, so a receiver may set columns of the document that follow its
  applied version.

Apps register in their `AppConfig.ready()`.
"""

from collections import defaultdict
from collections.abc import Callable

from django.dispatch import Signal

# family name ("invoice") -> the extra checks of its versions, in registration order
_VERSION_CHECKS: dict[str, list[Callable]] = defaultdict(list)

version_applied = Signal()


def add_version_check(family: str, check: Callable) -> None:
    """Run `check(document, version, items)` on every version of `family` written.

    Registering the same function twice (a second `ready()`) keeps one.
    """
    if check not in _VERSION_CHECKS[family]:
        _VERSION_CHECKS[family].append(check)


def version_checks(family: str, document, version, items) -> list[tuple]:
    """The findings every registered check of `family` makes of one version."""
    found = []
    for check in _VERSION_CHECKS.get(family, ()):
        found.extend(check(document, version, items))
    return found

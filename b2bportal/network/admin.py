"""Admin for the wire's records: inbound messages, and outbound calls with their attempts."""

from . import inbox_admin, outbox_admin  # noqa: F401  (each registers its models)

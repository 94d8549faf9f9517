"""Admin for inbound messages."""

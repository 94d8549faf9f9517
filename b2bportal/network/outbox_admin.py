"""Admin for outbound messages and their delivery attempts."""

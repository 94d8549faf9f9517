"""Helpers for tests that run real processes (servers, workers) on the test database."""

import time


def database_url() -> str:
    """A URL for the test database this run uses (so worker processes share it)."""
    from urllib.parse import quote, urlencode

    from django.db import connection

    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] + (f":{db['PORT']}" if db["PORT"] else "")
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k == "host"}
    query = f"?{urlencode(options)}" if options else ""  # a Unix socket directory
    return f"postgresql://{auth}@{host}/{db['NAME']}{query}"


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1, stack=None):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds.

    `stack`, when given, has a `log_tail()`: the processes' logs, added to the failure.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"condition not met within {timeout}s"
                + (f"\n{stack.log_tail()}" if stack is not None else "")
            )
        time.sleep(interval)

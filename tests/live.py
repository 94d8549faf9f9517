"""Helpers for tests that run real processes (servers, workers) on the test database."""

import os
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


def app_process_env(
    database_url: str,
    enkash_url: str,
    *,
    webhook_token: str,
    signing_secret: str,
    client_id: str,
    client_secret: str,
    **extra: str,
) -> dict:
    """The environment of the app's processes (server, worker): quick timings so tests are short.

    `extra` adds or overrides variables (for example a connection lifetime).
    """
    return {
        **os.environ,
        "DEBUG": "1",
        "B2BPORTAL_TESTING": "1",
        "DATABASE_URL": database_url,
        "ENKASH_WEBHOOK_TOKEN": webhook_token,
        "ENKASH_WEBHOOK_SIGNING_SECRET": signing_secret,
        "ENKASH_WEBHOOK_ALLOWED_IPS": "",
        "ENKASH_BASE_URL": enkash_url,
        "ENKASH_CLIENT_ID": client_id,
        "ENKASH_CLIENT_SECRET": client_secret,
        "ENKASH_ENCRYPTION_KEY": "",
        "ENKASH_CONNECT_TIMEOUT": "0.5",
        "ENKASH_READ_TIMEOUT": "2",
        "ENKASH_RETRY_BASE_SECONDS": "0.3",
        "ENKASH_RETRY_MAX_DELAY_SECONDS": "1",
        "ENKASH_STALLED_AFTER_SECONDS": "3",
        "ENKASH_RECOVERY_CRON": "* * * * * *",
        "DESK_TALLY_FOLD_CRON": "* * * * * *",
        "PROCRASTINATE_HEARTBEAT_SECONDS": "0.5",
        **extra,
    }

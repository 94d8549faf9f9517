"""Work run by a background worker's thread, shared by every app's jobs (`tasks.py`)."""

from django.db import close_old_connections


def in_worker(work, *args, **kwargs) -> None:
    """Run `work(*args)` from a worker thread between two `close_old_connections`.

    A worker thread lives longer than a request: drop a connection the database closed
    (restart, failover) before and after, as Django does around requests.
    """
    close_old_connections()
    try:
        work(*args, **kwargs)
    finally:
        close_old_connections()

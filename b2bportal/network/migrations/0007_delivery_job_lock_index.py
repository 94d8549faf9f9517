"""An index on procrastinate's job locks for the jobs waiting or running.

procrastinate's fetch of the next job skips any whose lock has an earlier job waiting or
one running, and looks that up by lock; its own indexes serve it only for running jobs,
so with many delivery jobs queued (one lock per outbound message) each candidate cost a
scan of the whole index, and a fetch hundreds of milliseconds while batches held the
jobs at the head of the queue.
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: the job table stays writable meanwhile

    dependencies = [
        ("network", "0006_outbound_body_exact_numbers"),
        ("procrastinate", "0041_post_retry_failed_job"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS network_job_lock_open_idx "
            "ON procrastinate_jobs (lock) WHERE status IN ('todo', 'doing')",
            "DROP INDEX CONCURRENTLY IF EXISTS network_job_lock_open_idx",
        )
    ]

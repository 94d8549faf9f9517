"""Indexes a migration makes in SQL, CONCURRENTLY, so a large table keeps taking writes
while they are built: the partial indexes of the desk's filters (a few documents in a
list's order) and the trigram indexes of the lists' searches. In SQL rather than on the
models: they serve the lists, and the models' own indexes are left as they are. A
migration using them sets `atomic = False`."""

from django.db import migrations


def concurrently(name: str, table: str, definition: str) -> migrations.RunSQL:
    """Create index `name` on `table` (`definition`: its columns, method, predicate)."""
    return migrations.RunSQL(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {definition}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


def trigram_concurrently(name: str, table: str, column: str) -> migrations.RunSQL:
    """A trigram index serving `column__icontains` (as `trigram.trigram_index` does)."""
    return concurrently(name, table, f"USING gin ((upper(({column})::text)) gin_trgm_ops)")

"""The home page's figures, kept by the database as documents change.

Counting a family's outstanding documents by age, by counterparty and by due date reads
most of its table: at a million invoices, seconds on every view of the home page. So
each family's table carries triggers that write, in the same transaction as any insert,
update or delete, what the statement changed to `desk_tally` (`models.Tally`): for each
key below, +1 and the value of each document as it now is, -1 and the value of each as
it was (an update that changes no key writes nothing):

- DATE: role, status, undecided-or-sent (`pending_message` empty) and the document's
  date: the ageing, and the documents to review;
- DUE: status and due date: what falls due this week;
- COUNTERPARTY: status and counterparty: the top counterparties.

A figure is the sum of its keys' rows: thousands, whatever the number of documents.
`fold` (a job every minute) sums the rows written since into one folded row per key,
so the rows stay about as many as the keys. The triggers are statement-level, with
transition tables: a statement that loads a million rows writes one row per key.

A family joins with `kept_for(table, date_column, due_column)` in a migration, which
also counts the documents already there (`recount_sql`); `manage.py recount_tallies`
counts every family again from its documents, and says what differed.
"""

from django.db import connection, migrations

TABLE = "desk_tally"
# Folds and recounts take turns (a recount deleting rows a fold is summing would count
# them twice); the triggers' inserts never wait for either.
TAKE_TURNS = f"SELECT pg_advisory_xact_lock(hashtext('{TABLE}'))"
KEY_COLUMNS = "document_table, kind, role, status, day, counterparty_id, unsent"


def _keyed(table: str, date_column: str, due_column: str, rows: str) -> str:
    """A row per key per document of `rows` (sign, document columns): the three kinds."""
    return f"""
        SELECT '{table}' AS document_table, key.kind, key.role, d.status, key.day,
               key.counterparty_id, key.unsent, d.sign, d.sign * d.total_value AS value
        FROM ({rows}) AS d
        CROSS JOIN LATERAL (VALUES
            ('date', d.role, d.{date_column}, NULL::bigint, d.pending_message_id IS NULL),
            ('due', '', d.{due_column}, NULL::bigint, NULL::boolean),
            ('party', '', NULL::date, d.counterparty_id, NULL::boolean)
        ) AS key(kind, role, day, counterparty_id, unsent)"""


def _sums(keyed: str) -> str:
    """`keyed`'s rows summed by key (count, value), keys that net to nothing left out."""
    return f"""
        SELECT {KEY_COLUMNS}, sum(sign) AS count, sum(value) AS value
        FROM ({keyed}) AS keyed
        GROUP BY {KEY_COLUMNS}
        HAVING sum(sign) <> 0 OR sum(value) <> 0"""


def _summed(keyed: str, *, folded: bool) -> str:
    """The insert of `keyed`'s rows summed by key."""
    return f"""
        INSERT INTO {TABLE} ({KEY_COLUMNS}, count, value, folded)
        SELECT *, {str(folded).lower()} FROM ({_sums(keyed)}) AS sums"""


def _as_they_are(table: str) -> str:
    """Every document of `table`, counted once."""
    return f"SELECT 1 AS sign, * FROM {table}"


def _function_name(table: str) -> str:
    return f"{TABLE}_{table}"


def trigger_sql(table: str, date_column: str, due_column: str) -> str:
    """The trigger function of `table` and its three statement-level triggers."""
    now = "SELECT 1 AS sign, * FROM new_rows"
    before = "SELECT -1 AS sign, * FROM old_rows"
    changes = {
        "INSERT": now,
        "UPDATE": f"{now} UNION ALL {before}",
        "DELETE": before,
    }
    branches = "\n        ELS".join(
        f"IF TG_OP = '{operation}' THEN "
        f"{_summed(_keyed(table, date_column, due_column, rows), folded=False)};"
        for operation, rows in changes.items()
    )
    function = _function_name(table)
    triggers = "\n".join(
        f"""CREATE TRIGGER {function}_{operation.lower()} AFTER {operation} ON {table}
            REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"""
        for operation, transition in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )
    return f"""
        CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $tally$
        BEGIN
        {branches}
        END IF;
        RETURN NULL;
        END
        $tally$;
        {triggers}"""


def recount_sql(table: str, date_column: str, due_column: str) -> str:
    """Replace `table`'s tally by the count of its documents as they are, folded."""
    return (
        # Writers wait (and those under way finish first), so none is counted twice.
        f"{TAKE_TURNS};"
        f"LOCK TABLE {table} IN SHARE MODE;"
        f"DELETE FROM {TABLE} WHERE document_table = '{table}';"
        + _summed(_keyed(table, date_column, due_column, _as_they_are(table)), folded=True)
    )


def kept_for(table: str, date_column: str, due_column: str) -> migrations.RunSQL:
    """The migration operation that starts keeping `table`'s tally (and counts it)."""
    function = _function_name(table)
    return migrations.RunSQL(
        trigger_sql(table, date_column, due_column)
        + ";"
        + recount_sql(table, date_column, due_column),
        f"DROP FUNCTION {function}() CASCADE;DELETE FROM {TABLE} WHERE document_table = '{table}';",
    )


FOLD = f"""
    WITH written AS (
        DELETE FROM {TABLE} WHERE NOT folded
        RETURNING {KEY_COLUMNS}, count, value
    )
    INSERT INTO {TABLE} ({KEY_COLUMNS}, count, value, folded)
    SELECT {KEY_COLUMNS}, sum(count), sum(value), true FROM written GROUP BY {KEY_COLUMNS}
    ON CONFLICT ({KEY_COLUMNS}) WHERE folded
    DO UPDATE SET count = {TABLE}.count + EXCLUDED.count, value = {TABLE}.value + EXCLUDED.value
"""


def fold() -> int:
    """Sum the rows written since the last fold into their keys' folded rows, and drop
    the folded rows left at nothing (in the caller's transaction). Returns the keys
    folded into. Safe beside the triggers (a row written meanwhile is folded next time);
    waits for another fold or a recount under way."""
    with connection.cursor() as cursor:
        cursor.execute(TAKE_TURNS)
        cursor.execute(FOLD)
        folded = cursor.rowcount
        cursor.execute(f"DELETE FROM {TABLE} WHERE folded AND count = 0 AND value = 0")
    return folded


def _kept(cursor, table: str) -> dict[tuple, tuple]:
    """{key: (count, value)} the tally of `table` holds, keys summing to nothing left out."""
    cursor.execute(
        f"SELECT {KEY_COLUMNS}, sum(count)::bigint, sum(value) FROM {TABLE} "
        f"WHERE document_table = %s GROUP BY {KEY_COLUMNS}",
        [table],
    )
    return {row[:7]: row[7:] for row in cursor.fetchall() if row[7:] != (0, 0)}


def _counted(cursor, table: str, date_column: str, due_column: str) -> dict[tuple, tuple]:
    """{key: (count, value)} of `table`'s documents as they are, counted, nothing written."""
    cursor.execute(_sums(_keyed(table, date_column, due_column, _as_they_are(table))))
    return {row[:7]: row[7:] for row in cursor.fetchall()}


def _differences(kept: dict, counted: dict) -> dict[tuple, tuple]:
    return {
        key: (kept.get(key, (0, 0)), counted.get(key, (0, 0)))
        for key in kept.keys() | counted.keys()
        if kept.get(key) != counted.get(key)
    }


def check(table: str, date_column: str, due_column: str) -> dict[tuple, tuple]:
    """What differs between `table`'s tally and its documents: {key: ((count, value)
    kept, (count, value) counted)}, empty when the tally is right. Writes nothing and
    locks nothing: run it in a transaction at REPEATABLE READ, whose one snapshot sees a
    document's change and its tally rows together (the triggers write both in the same
    transaction)."""
    with connection.cursor() as cursor:
        return _differences(_kept(cursor, table), _counted(cursor, table, date_column, due_column))


def recount(table: str, date_column: str, due_column: str) -> dict[tuple, tuple]:
    """Count `table`'s documents again into its tally (in the caller's transaction;
    writers to the table wait). Returns what differed, as `check` does."""
    with connection.cursor() as cursor:
        kept = _kept(cursor, table)
        cursor.execute(recount_sql(table, date_column, due_column))
        return _differences(kept, _kept(cursor, table))

"""New rows of several tables written in one round trip, without the ORM's SQL building.

`insert(invoices, versions, lines, findings, history)` sends one statement per table, all
in one call: each table's rows travel as one JSON array that PostgreSQL turns into rows
(`jsonb_populate_recordset` over the table's own row type, so every value is converted
by the column's own type, as an INSERT would). The SQL text of each table is built once.

Made for a received document's first version, where the ORM's work of compiling five
INSERTs (one of them multi-row) cost more than the database's of running them; a
delivery batch's attempts go the same way. The rows are model instances as the caller
built them: defaults already applied, `auto_now` fields filled here. A row whose
primary key is set keeps it (ids reserved beforehand, so rows of one call can point at
each other: foreign keys are checked at commit); a row without one gets the id the
table gives it (`RETURNING`, read back in the order the rows were given, as Django's
`bulk_create` reads them). A table's rows either all have one or none do. No signals
are sent, as with `bulk_create`.
"""

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


@cache
def _plan(model: type[models.Model], with_pk: bool) -> tuple[str, tuple]:
    """(INSERT statement, fields) for `model`'s rows, with their primary key or returning
    the one the table gives each."""
    fields = tuple(
        field for field in model._meta.concrete_fields if with_pk or not field.primary_key
    )
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    # Names from the model's own metadata, quoted: no outside text reaches the SQL.
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)"
    )
    if not with_pk:
        sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    return sql, fields


@cache
def _stamped(model: type[models.Model]) -> tuple:
    """The fields Django fills at insert time (`auto_now`, `auto_now_add`)."""
    return tuple(
        field
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )


@cache
def _relations(model: type[models.Model]) -> tuple:
    """The foreign keys of `model`'s rows."""
    return tuple(field for field in model._meta.concrete_fields if field.many_to_one)


def _link(obj: models.Model) -> None:
    """Copy into each foreign-key column the id of a related row set on `obj` before that
    row had one (as Django's save does)."""
    for field in _relations(type(obj)):
        if getattr(obj, field.attname) is None and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is not None:
                setattr(obj, field.attname, related.pk)


def _value(value):
    # Decimals as their digits and top-level timestamps with their microseconds (the JSON
    # encoder would cut them to milliseconds, as it does inside JSON columns); bytes in
    # bytea's hex form. Other values are JSON's own, or the encoder's (dates, UUIDs).
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if kind is datetime.datetime:
        return value.isoformat()
    if kind is bytes or kind is memoryview:
        return "\\x" + bytes(value).hex()
    return value


def _statement(objects: list[models.Model]) -> tuple[str, str]:
    """(SQL, its one parameter) inserting `objects`, all of one model."""
    model = type(objects[0])
    sql, fields = _plan(model, objects[0].pk is not None)
    stamped = _stamped(model)
    for obj in objects:
        _link(obj)
        for field in stamped:
            field.pre_save(obj, add=True)
    rows = [
        {field.column: _value(getattr(obj, field.attname)) for field in fields} for obj in objects
    ]
    return sql, json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False)


def insert(*batches: Iterable[models.Model]) -> None:
    """Insert each batch (the new rows of one model) in one round trip for all of them.

    Written in the order given; rows without a primary key get theirs from the table,
    and an object inserted here is marked as saved for Django.
    """
    sql, params, written = [], [], []
    for batch in map(list, batches):
        if not batch:
            continue
        statement, rows = _statement(batch)
        sql.append(statement)
        params.append(rows)
        written.append(batch)
        for obj in batch:
            obj._state.adding = False
            obj._state.db = connection.alias
    if not sql:
        return
    with connection.cursor() as cursor:
        cursor.execute(";".join(sql), params)
        for position, batch in enumerate(written):
            if position:
                cursor.nextset()
            if batch[0].pk is None:
                for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                    obj.pk = pk

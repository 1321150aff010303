"""Inserting thousands of new rows in one statement, for the jobs that do
(the decision sweep's batch: a thousand cases and their history rows).

``bulk_create`` writes the right rows, but it wants a model instance per row
(tens of microseconds each, for a thousand rows a batch), and on PostgreSQL
it sends every column as an array parameter (``UNNEST``) whose elements,
with client-side binding (psycopg's ``ClientCursor``: Django's default, and
what PgBouncer needs), are quoted in Python one at a time. For a sweep's
batch that cost more than the database's work. ``bulk_insert`` takes the
rows as plain dicts of field values, prepares each value with its field
(``get_db_prep_save``, as ``bulk_create`` does), sends a value shared by every
row once, as a parameter, and the others as one JSON document, one string
quoted once, which PostgreSQL unpacks (``jsonb_array_elements``) into the
same ``INSERT``.

Elsewhere (SQLite, the embedded setup) it is ``bulk_create``.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model
from psycopg.types.json import Jsonb


def bulk_insert(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert one ``model`` row per mapping of ``rows`` and return their
    primary keys, in order.

    Each mapping holds the same keys: field names (a related instance for a
    foreign key) or attnames (``lead_id``), as ``model(**row)`` takes them.
    The fields no row names get what an unsaved instance gets (the field's
    default, or what its ``pre_save`` stamps), the same in every row.
    """
    if not rows:
        return []
    db = router.db_for_write(model)
    connection = connections[db]
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.using(db).bulk_create([model(**row) for row in rows])]
    opts = model._meta
    quote = connection.ops.quote_name
    template = None
    columns, selected, params, varying = [], [], [], []
    for field in opts.concrete_fields:
        if field.primary_key or field.generated:
            continue
        columns.append(quote(field.column))
        db_type = field.db_type(connection)
        key = field.name if field.name in rows[0] else field.attname
        if key not in rows[0]:
            # A value shared by every row is sent once, as a parameter.
            template = template or model()
            selected.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(field.pre_save(template, True), connection))
            continue
        values = [row[key] for row in rows]
        if field.is_relation and key == field.name:
            values = [value.pk if value is not None else None for value in values]
        first = values[0]
        if all(type(value) is type(first) and value == first for value in values):
            selected.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(first, connection))
        else:
            # The value's text, parsed by the column type's input function,
            # as a bound parameter is.
            selected.append(f"(r.v ->> {len(varying)})::{db_type}")
            varying.append([_json_value(field.get_db_prep_save(value, connection)) for value in values])
    params.append(json.dumps(list(zip(*varying, strict=True)) or [[]] * len(rows), separators=(",", ":")))
    # Only the model's own table, column and type names are formatted in.
    # WITH ORDINALITY keeps the caller's order, so that the keys returned
    # match the rows.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(v, n) "
        f"ORDER BY r.n RETURNING {quote(opts.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _json_value(value):
    """A prepared database value as JSON whose text (``->>``) is the value's
    literal: times in ISO 8601 (read back exactly, offset and microseconds
    included), a JSON column's value as the JSON text the field would bind
    (its own encoder), ``None`` as SQL ``NULL``."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    return value

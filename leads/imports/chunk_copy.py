"""One chunk of an import's rows, PostgreSQL's way: ``COPY`` the rows into a
temporary staging table, then one statement checks every row in SQL by the
intake rules, records the refusals, and inserts the new leads and their
"create" history rows (``INSERT … SELECT … ON CONFLICT DO NOTHING``).

No model object is built per row, which is where the portable path
(``chunk_orm``) spends its time. The rules are ``chunk_orm``'s, written a
second time in SQL; tests/imports/test_copy_parity.py imports the same files
both ways and compares every lead, history row, refusal and counter.

Three things stay in Python, row by row, while the rows stream into ``COPY``:

- parsing the CSV (``csv.reader``, as for the portable path), so that row
  numbers, blank lines, quoting and encoding errors are the same;
- the email syntax check: Django's ``validate_email`` (Unicode regular
  expressions and an IP-literal parser) is the rule's one home; a SQL copy
  would drift from it at the edges. Its verdict travels with the row;
- whether the row has a value at all: ``lead_intake_has_value``, the rule
  every new lead obeys ("invisible" is a Unicode category PostgreSQL's
  regular expressions cannot name). So does its verdict.

Columns the rows do not fill (state, timestamps, owner...) come from a lead
and a history row built in Python as ``chunk_orm`` builds them, so a field
added to the models with a default is written the same way by both paths.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection

from leadcourt import clock
from leads.history import lead_event_new
from leads.imports.chunk_orm import CELL_COUNT_MESSAGE, NO_VALUE_MESSAGE, VALUE_SHOWN, ChunkCounts
from leads.imports.mapping import HISTORY_FIELDS, IMPORT_FIELDS
from leads.imports.reading import CsvRow
from leads.models import Lead, LeadEvent, LeadImport, LeadImportRowError, LeadState
from leads.services import LEAD_TEXT_FIELDS, lead_intake_has_value, lead_owner_for_intake

logger = logging.getLogger(__name__)

STAGING_TABLE = "lead_import_staging"
# What Python's ``str.strip()`` removes (every character whose ``isspace()``
# is true), for ``btrim``: PostgreSQL's default strips only spaces.
# tests/imports/test_copy_parity.py checks this against Python's own list.
STRIP_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# ``leads.services.lead_intake_clean``'s messages.
INVALID_EMAIL_MESSAGE = "Enter a valid email address."
TOO_LONG_MESSAGE = "At most {limit} characters."


def chunk_write_copy(
    lead_import: LeadImport, chunk: list[CsvRow], *, fields: tuple[str, ...], header_count: int, rulebook
) -> ChunkCounts:
    """Check the chunk's rows, create the new leads with their history rows
    and record the refusals; the caller holds the chunk's transaction.

    The staging table lives for this transaction only (``ON COMMIT DROP``,
    and dropped at the end in case the transaction goes on): nothing
    outlives it on the server connection, as PgBouncer's transaction mode
    requires. A lead another transaction inserted since this one looked
    (same external id) is skipped by ``ON CONFLICT`` and counted as
    existing; a new lead pointing at it as a probable duplicate then fails
    the foreign key at commit, and the caller retries the chunk.
    """
    statement, params = _chunk_statement(lead_import, header_count=header_count, rulebook=rulebook)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(STAGING_TABLE)} ("
            "row_number integer NOT NULL, cell_count integer NOT NULL, has_value boolean NOT NULL, "
            "email_valid boolean, "
            + ", ".join(f"{quote(name)} text" for name in IMPORT_FIELDS)
            + ") ON COMMIT DROP"
        )
        copied = ", ".join(
            quote(name) for name in ("row_number", "cell_count", "has_value", "email_valid", *fields)
        )
        verdicts = _row_verdicts(fields)
        with cursor.copy(f"COPY {quote(STAGING_TABLE)} ({copied}) FROM STDIN") as copy:
            for row in chunk:
                copy.write_row((row.number, row.cell_count, *verdicts(row.values), *row.values))
        cursor.execute(statement, params)
        created, planned, accepted, refused = cursor.fetchone()
        cursor.execute(f"DROP TABLE {quote(STAGING_TABLE)}")
    if created < planned:
        logger.info(
            "lead import %s: %d rows found their lead created meanwhile by another transaction; "
            "counted as existing",
            lead_import.pk,
            planned - created,
        )
    return ChunkCounts(created=created, existing=accepted - created, refused=refused)


def _row_verdicts(fields: tuple[str, ...]):
    """``values -> (has a value, email valid)`` for rows of these columns."""
    external_at = fields.index("external_id") if "external_id" in fields else None
    others = tuple(i for i, name in enumerate(fields) if name != "external_id")
    email_at = fields.index("email") if "email" in fields else None

    def verdicts(values: tuple[str | None, ...]) -> tuple[bool, bool | None]:
        has_value = lead_intake_has_value(
            external_id=None if external_at is None else values[external_at],
            values=(values[i] for i in others),
        )
        return has_value, None if email_at is None else _email_verdict(values[email_at])

    return verdicts


def _email_verdict(value: str | None) -> bool | None:
    """Whether the (stripped) email passes Django's check; None if blank."""
    email = (value or "").strip()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _field_checks() -> tuple[str, str, dict]:
    """``lead_intake_clean``'s checks of a cleaned row ``c`` (raw cells in
    staging row ``s``): ``(any fails, VALUES rows (field, message or NULL,
    raw value), params)``, at most one message per field."""
    failures, rows, params = [], [], {"invalid_email": INVALID_EMAIL_MESSAGE}
    for name in (*LEAD_TEXT_FIELDS, "external_id"):
        limit = Lead._meta.get_field(name).max_length
        params[f"limit_{name}"] = limit
        params[f"too_long_{name}"] = TOO_LONG_MESSAGE.format(limit=limit)
        # Length first: in lead_intake_clean it overwrites the email's syntax error.
        checks = [(f"char_length(c.{name}) > %(limit_{name})s", f"%(too_long_{name})s")]
        if name == "email":
            checks.append(("(c.email <> '' AND NOT c.email_valid)", "%(invalid_email)s"))
        failures.extend(condition for condition, _ in checks)
        whens = " ".join(f"WHEN {condition} THEN {message}" for condition, message in checks)
        rows.append(f"('{name}', CASE {whens} END, s.{name})")
    return " OR ".join(failures), ",\n                ".join(rows), params


def insert_select_list(model, template, per_row: dict[str, str], prefix: str) -> tuple[str, str, dict]:
    """``(columns, select list, params)`` inserting ``model`` rows: ``per_row``
    maps field names to SQL; every other field takes its value from
    ``template`` as ``bulk_create`` would (``pre_save``, then the database
    form). The primary key is left to the database unless given per row."""
    quote = connection.ops.quote_name
    columns, values, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.generated or (field.primary_key and field.name not in per_row):
            continue
        columns.append(quote(field.column))
        if field.name in per_row:
            values.append(per_row[field.name])
        else:
            key = f"{prefix}_{field.attname}"
            params[key] = field.get_db_prep_save(field.pre_save(template, True), connection)
            values.append(f"CAST(%({key})s AS {field.db_type(connection)})")
    return ", ".join(columns), ", ".join(values), params


def _chunk_statement(lead_import: LeadImport, *, header_count: int, rulebook) -> tuple[str, dict]:
    now = clock.now()
    # What every imported lead starts from: owned as an imported lead is, no
    # criteria (a file names none); each row gives its own text fields.
    lead = Lead(
        external_id=None,
        criteria_mask=0,
        marketer=lead_owner_for_intake(actor=lead_import.actor),
        created_at=now,
        **dict.fromkeys(LEAD_TEXT_FIELDS, ""),
    )
    event = lead_event_new(
        lead=lead,
        transition="create",
        from_state=LeadState.INQUIRY,
        actor=lead_import.actor,
        occurred_at=lead.created_at,
        rulebook=rulebook,
        data={"import": lead_import.pk},
    )
    lead_columns, lead_values, lead_params = insert_select_list(
        Lead,
        lead,
        {
            "id": "p.id",
            "public_id": "p.public_id",
            "external_id": "p.key",
            "duplicate_of": "p.duplicate_of_id",
            **{name: f"p.{name}" for name in LEAD_TEXT_FIELDS},
        },
        "lead",
    )
    # The history row's data: the run and row, the probable duplicate, and
    # the columns the lead has no field for (when not blank).
    data = "CAST(%(event_data)s AS jsonb) || jsonb_build_object('row', p.row_number)" + "".join(
        f" || CASE WHEN {expr} IS NOT NULL THEN jsonb_build_object('{key}', {expr}) ELSE '{{}}' END"
        for key, expr in (
            ("duplicate_of", "p.duplicate_of_public_id::text"),
            *((name, f"nullif(p.{name}, '')") for name in HISTORY_FIELDS),
        )
    )
    event_columns, event_values, event_params = insert_select_list(
        LeadEvent, event, {"lead": "i.id", "data": data}, "event"
    )
    any_check_fails, checks, check_params = _field_checks()
    # Emails compare case-insensitively; a row without external id gets the
    # one ``chunk_orm.derived_external_id`` gives it.
    key = (
        "coalesce(nullif(c.external_id, ''), 'csv:' || left(encode(sha256(convert_to(concat_ws("
        "%(unit_separator)s, "
        + ", ".join("lower(c.email)" if name == "email" else f"c.{name}" for name in LEAD_TEXT_FIELDS)
        + "), 'UTF8')), 'hex'), 40))"
    )
    stripped = ", ".join(f"btrim(coalesce(s.{name}, ''), %(strip)s) AS {name}" for name in IMPORT_FIELDS)
    lead_table = Lead._meta.db_table
    # Formatted from model metadata and this module's names only; every value
    # from the file or the run is a parameter (or travels through COPY).
    statement = f"""
    WITH cleaned AS MATERIALIZED (
        SELECT s.row_number, s.cell_count, s.has_value, s.email_valid, {stripped}
        FROM {STAGING_TABLE} s
    ),
    -- Why each refused row is refused (NULL: accepted), in lead_intake_clean's
    -- order; and the external id of every row.
    checked AS MATERIALIZED (
        SELECT c.*, CASE
            WHEN c.cell_count <> %(header_count)s THEN 'cells'
            WHEN NOT c.has_value THEN 'blank'
            WHEN {any_check_fails} THEN 'fields'
        END AS refused, {key} AS key
        FROM cleaned c
    ),
    refusal AS (
        SELECT row_number, 'row' AS field, replace(%(cell_count_message)s, '{{cells}}', cell_count::text)
               AS message, '' AS value
        FROM checked WHERE refused = 'cells'
        UNION ALL
        SELECT row_number, 'row', %(no_value_message)s, '' FROM checked WHERE refused = 'blank'
        UNION ALL
        SELECT c.row_number, f.field, f.message, left(coalesce(f.raw, ''), %(value_shown)s)
        FROM checked c JOIN {STAGING_TABLE} s ON s.row_number = c.row_number
        CROSS JOIN LATERAL (VALUES
                {checks}
        ) AS f (field, message, raw)
        WHERE c.refused = 'fields' AND f.message IS NOT NULL
    ),
    recorded AS (
        INSERT INTO {LeadImportRowError._meta.db_table} (lead_import_id, row_number, field, message, value)
        SELECT %(import_id)s, row_number, field, message, value FROM refusal ORDER BY row_number, field
        ON CONFLICT DO NOTHING
    ),
    accepted AS NOT MATERIALIZED (SELECT * FROM checked WHERE refused IS NULL),
    -- Idempotence: leads that already have a row's external id. ``= ANY(ARRAY(…))``
    -- probes the unique index once per key, never a scan of a million leads.
    known AS MATERIALIZED (
        SELECT l.external_id FROM {lead_table} l WHERE l.external_id = ANY(ARRAY(SELECT key FROM accepted))
    ),
    -- The new leads, the first row of each external id, with their ids drawn
    -- in file order so that in-chunk duplicates can point at earlier rows.
    numbered AS MATERIALIZED (
        SELECT nextval((SELECT pg_get_serial_sequence('{lead_table}', 'id'))::regclass) AS id,
               gen_random_uuid() AS public_id, n.*
        FROM (
            SELECT * FROM (
                SELECT DISTINCT ON (a.key) a.* FROM accepted a
                WHERE NOT EXISTS (SELECT FROM known k WHERE k.external_id = a.key)
                ORDER BY a.key, a.row_number
            ) first_of_key ORDER BY row_number
        ) n
    ),
    -- Probable duplicates: the earliest lead with the email already in the
    -- database (lead_email_lower_idx), else the chunk's first new row with it.
    earlier AS (
        SELECT DISTINCT ON (lower(l.email)) lower(l.email) AS email_key, l.id, l.public_id
        FROM {lead_table} l
        WHERE lower(l.email) = ANY(ARRAY(SELECT DISTINCT lower(email) FROM numbered WHERE email <> ''))
        ORDER BY lower(l.email), l.created_at, l.id
    ),
    first_in_chunk AS (
        SELECT DISTINCT ON (lower(email)) lower(email) AS email_key, id, public_id
        FROM numbered WHERE email <> '' ORDER BY lower(email), row_number
    ),
    placed AS MATERIALIZED (
        SELECT n.*, coalesce(e.id, nullif(f.id, n.id)) AS duplicate_of_id,
               CASE WHEN e.id IS NOT NULL THEN e.public_id WHEN f.id <> n.id THEN f.public_id END
               AS duplicate_of_public_id
        FROM numbered n
        LEFT JOIN earlier e ON e.email_key = lower(n.email)
        LEFT JOIN first_in_chunk f ON f.email_key = lower(n.email)
    ),
    inserted AS (
        INSERT INTO {lead_table} ({lead_columns})
        SELECT {lead_values} FROM placed p ORDER BY p.id
        ON CONFLICT (external_id) DO NOTHING
        RETURNING id
    ),
    history AS (
        INSERT INTO {LeadEvent._meta.db_table} ({event_columns})
        SELECT {event_values} FROM placed p JOIN inserted i ON i.id = p.id ORDER BY p.id
    )
    SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM numbered),
           (SELECT count(*) FROM accepted), (SELECT count(*) FROM checked WHERE refused IS NOT NULL)
    """  # noqa: S608
    params = {
        **lead_params,
        **event_params,
        **check_params,
        "event_data": LeadEvent._meta.get_field("data").get_db_prep_save(event.data, connection),
        "import_id": lead_import.pk,
        "header_count": header_count,
        "cell_count_message": CELL_COUNT_MESSAGE.replace("{header}", str(header_count)),
        "no_value_message": NO_VALUE_MESSAGE,
        "value_shown": VALUE_SHOWN,
        "strip": STRIP_CHARACTERS,
        "unit_separator": "\x1f",
    }
    return statement, params

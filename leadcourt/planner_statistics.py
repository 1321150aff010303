"""Fresh planner statistics after a bulk write.

PostgreSQL plans every query from per-table statistics (row counts, value
distributions) that only ``ANALYZE`` refreshes; autovacuum runs it some time
after enough rows changed (minutes later, or never where it is off, as on
the bench cluster). A job that fills a table in bulk and then computes over
it (the demo seed and its metric snapshots, an import and the next
dashboard) would be planned for the table as it was before: a nested loop
sized for a hundred rows run over a hundred thousand. So whatever writes in
bulk calls ``tables_analyze`` on what it filled before anything computes
over it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# Autovacuum's own defaults (autovacuum_analyze_threshold and
# autovacuum_analyze_scale_factor): below this many changed rows it would not
# analyze the table either, and the planner's picture is still close enough.
ANALYZE_THRESHOLD_ROWS = 50
ANALYZE_SCALE_FACTOR = 0.1

# Schema-qualified: the app's role might have a schema of its own name, which
# comes first in the default search_path.
ANALYZE_CALL = "SELECT public.leadcourt_tables_analyze(%s::regclass[])"


def tables_analyze(*models, rows_added: int | None = None, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """``ANALYZE`` the tables of ``models`` and return their names.

    With ``rows_added``, only the tables where that many new rows are at
    least what autovacuum waits for (50 rows plus 10% of the rows the
    planner believes the table has): a small import into a large table
    changes nothing the planner needs, and ``ANALYZE`` samples up to 30,000
    rows per table, which is cheap but not free.

    A failure (the function refused, or not granted) raises the
    database's error; a caller that must not fail for it (the import)
    catches it, and may go on in its transaction: the work here runs in a
    savepoint of its own.

    PostgreSQL only: SQLite (the embedded setup, a few thousand leads) keeps
    no statistics unless asked and plans well enough without them.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not models:
        return []
    tables = [model._meta.db_table for model in models]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if rows_added is not None:
            # reltuples: the planner's row count, -1 for a table never analyzed.
            cursor.execute(
                "SELECT relname, greatest(reltuples, 0) FROM pg_class WHERE oid = ANY(%s::regclass[])",
                [tables],
            )
            estimates = dict(cursor.fetchall())
            tables = [
                table
                for table in tables
                if rows_added >= ANALYZE_THRESHOLD_ROWS + ANALYZE_SCALE_FACTOR * estimates[table]
            ]
        if tables:
            # Only a table's owner may ANALYZE it, and the app's role owns
            # none (README, "Database roles"): the function runs ANALYZE as
            # the owner, for tables of the public schema only
            # (leadcourt/jobs/migrations/0003_tables_analyze_function.py).
            cursor.execute(ANALYZE_CALL, [tables])
    return tables

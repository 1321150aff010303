# ruff: noqa: E501
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; the only names put into it come from the catalog, quoted there by
# format('%I').
"""Bulk loading: statements on several connections at once, and the big
tables' indexes and constraints taken off for the load and put back after.

A row-by-row insert maintains every index and queues every foreign-key check
for every row; building an index once over a filled table, and checking a
foreign key with one anti-join, is several times cheaper. What is taken off
is read from the catalog just before (``pg_get_indexdef``,
``pg_get_constraintdef``) and replayed as read, and the whole schema of the
tables is compared with what it was before: nothing drifts from the
migrations. Check constraints, primary keys and the history's append-only
trigger stay on throughout (they cost little, and ids are inserted in order)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

# The tables the load fills with one row or more per lead.
BIG_TABLES = (
    "leads_lead",
    "leads_leadevent",
    "leads_touch",
    "adjudication_case",
    "adjudication_statement",
    "adjudication_vote",
)

SESSION_SETTINGS = (
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '1GB'",
    "SET jit = off",
    # The builds run side by side, one per connection: each also splitting
    # itself into parallel workers would only oversubscribe the cores.
    "SET max_parallel_maintenance_workers = 0",
)


class StatementPool:
    """Statements run on connections of their own, in the order they were
    submitted, each its own transaction; work and connections can be added
    while it runs, so that one core builds indexes while the other loads."""

    def __init__(self, url: str, setup: list[str] = ()) -> None:
        self.url, self.setup = url, list(setup)
        self.queue: deque[str] = deque()
        self.cond = threading.Condition()
        self.closed = False
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []

    def submit(self, statements: list[str]) -> None:
        with self.cond:
            self.queue.extend(statements)
            self.cond.notify_all()

    def grow(self, workers: int) -> None:
        """Run on ``workers`` connections from now on."""
        while len(self.threads) < workers:
            # A daemon: should the build fail elsewhere, an idle connection
            # waiting for work must not keep the process alive.
            thread = threading.Thread(target=self._work, daemon=True)
            self.threads.append(thread)
            thread.start()

    def join(self) -> None:
        """Wait until every statement has run; raise the first error."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]

    def _work(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                for statement in (*SESSION_SETTINGS, *self.setup):
                    conn.execute(statement)
                while True:
                    with self.cond:
                        while not self.queue and not self.closed and not self.errors:
                            self.cond.wait()
                        if self.errors or not self.queue:
                            return
                        statement = self.queue.popleft()
                    conn.execute(statement)
        except BaseException as exc:  # raised by join()
            with self.cond:
                self.errors.append(exc)
                self.cond.notify_all()


def statements_run(url: str, statements: list[str], workers: int, setup: list[str] = ()) -> None:
    """Run ``statements`` on ``workers`` connections and wait for them all."""
    pool = StatementPool(url, setup)
    pool.submit(statements)
    pool.grow(min(workers, len(statements)))
    pool.join()


# --- indexes and constraints off for the load, and back ----------------------------------------

SCHEMA_SQL = """
SELECT 'index ' || pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = ANY(%(t)s::regclass[])
UNION ALL
SELECT format('constraint %%s %%s %%s validated=%%s: %%s', conrelid::regclass, conname, contype, convalidated,
    pg_get_constraintdef(oid))
FROM pg_constraint WHERE conrelid = ANY(%(t)s::regclass[])
UNION ALL
SELECT format('trigger %%s enabled=%%s', pg_get_triggerdef(oid), tgenabled)
FROM pg_trigger WHERE tgrelid = ANY(%(t)s::regclass[]) AND NOT tgisinternal
ORDER BY 1"""

# Secondary indexes, those behind a UNIQUE constraint included, with the
# statements that drop them and make them again; the trigram index first (GIN:
# the longest build, which cannot be split, so it must start early).
INDEXES_SQL = """
SELECT i.oid, c.relname::text,
       CASE WHEN con.conname IS NULL THEN format('DROP INDEX %%I', i.relname)
            ELSE format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.relname, con.conname) END,
       pg_get_indexdef(x.indexrelid),
       CASE WHEN con.conname IS NOT NULL THEN
         format('ALTER TABLE %%I ADD CONSTRAINT %%I UNIQUE USING INDEX %%I', c.relname, con.conname, i.relname)
         || CASE WHEN con.condeferrable THEN ' DEFERRABLE' ELSE '' END
         || CASE WHEN con.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END
       END
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype = 'u'
WHERE x.indrelid = ANY(%(t)s::regclass[]) AND NOT x.indisprimary
ORDER BY am.amname <> 'gin', array_position(%(t)s::text[], c.relname::text), i.relname"""

FOREIGN_KEYS_SQL = """
SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', conrelid::regclass::text, conname),
       format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s NOT VALID', conrelid::regclass::text, conname,
              pg_get_constraintdef(oid)),
       format('ALTER TABLE %%I VALIDATE CONSTRAINT %%I', conrelid::regclass::text, conname)
FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(t)s::regclass[])
ORDER BY array_position(%(t)s::text[], conrelid::regclass::text), conname"""


@dataclass(frozen=True)
class TakenOff:
    """What ``load_schema_drop`` removed, as the statements that put it back."""

    schema_before: list[str]
    index_creates: list[tuple[str, str]]  # (table, CREATE INDEX …)
    unique_adds: list[str]
    foreign_key_adds: list[str]
    foreign_key_validates: list[str]
    indexes_kept: list[str]

    def table_finish(self, table: str) -> list[str]:
        """What a table needs once loaded: VACUUM (hint bits and visibility
        map set once, before the index builds scan it), then its indexes."""
        return [f'VACUUM "{table}"', *(create for t, create in self.index_creates if t == table)]


def schema_of(conn, tables=BIG_TABLES) -> list[str]:
    return [row[0] for row in conn.execute(SCHEMA_SQL, {"t": list(tables)})]


def load_schema_drop(url: str, tables=BIG_TABLES) -> TakenOff:
    """Drop the tables' foreign keys, UNIQUE constraints and secondary indexes
    (one transaction, on the tables just migrated and still empty).

    An index is only dropped if its definition, replayed, gives back the very
    same index: ``pg_get_indexdef`` does not always round-trip (``state IN
    ('sal', 'sql')`` comes back with its casts in other places), and such an
    index is kept, maintained row by row as before."""
    import psycopg

    params = {"t": list(tables)}
    with psycopg.connect(url) as conn:
        schema_before = schema_of(conn, tables)
        foreign_keys = conn.execute(FOREIGN_KEYS_SQL, params).fetchall()
        for drop, _, _ in foreign_keys:
            conn.execute(drop)
        indexes, kept = [], []
        for oid, table, drop, create, add in conn.execute(INDEXES_SQL, params).fetchall():
            with conn.transaction(force_rollback=True):  # the trial: drop, replay, compare, undo
                name = conn.execute("SELECT %s::regclass::text", [oid]).fetchone()[0]
                conn.execute(drop)
                conn.execute(create)
                replayed = conn.execute("SELECT pg_get_indexdef(%s::regclass)", [name]).fetchone()[0]
            (indexes if replayed == create else kept).append((table, drop, create, add))
        for _, drop, _, _ in indexes:
            conn.execute(drop)
    return TakenOff(
        schema_before=schema_before,
        index_creates=[(table, create) for table, _, create, _ in indexes],
        unique_adds=[add for *_, add in indexes if add],
        foreign_key_adds=[add for _, add, _ in foreign_keys],
        foreign_key_validates=[validate for _, _, validate in foreign_keys],
        indexes_kept=[create for _, _, create, _ in kept],
    )


def constraints_add(url: str, taken: TakenOff, workers: int) -> None:
    """Turn the unique indexes back into their constraints, add the foreign
    keys and check each over the whole table (one anti-join each, ``workers``
    at a time); then fail unless the schema is exactly what it was."""
    import psycopg

    # Quick catalog changes (NOT VALID: no scan), in one transaction.
    with psycopg.connect(url) as conn:
        for statement in (*taken.unique_adds, *taken.foreign_key_adds):
            conn.execute(statement)
    statements_run(url, taken.foreign_key_validates, workers)
    with psycopg.connect(url) as conn:
        after = schema_of(conn)
    if after != taken.schema_before:
        lost = sorted(set(taken.schema_before) - set(after))
        extra = sorted(set(after) - set(taken.schema_before))
        raise RuntimeError(f"schema drifted during the load: missing {lost}, unexpected {extra}")

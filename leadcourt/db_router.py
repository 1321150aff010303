"""Which database each query goes to: the primary ("default") or a streaming
read replica ("replica"; settings.DATABASE_REPLICA_URL).

A read goes to the replica only when all of these hold:

- a replica is configured (``settings.READ_REPLICA_ENABLED``);
- the code runs inside ``replica_reads()``, which only the views marked
  ``@reads_from_replica`` enter, for GET and HEAD (leadcourt/replica_reads.py);
- the model is not about who is asking (sessions, users, groups and
  permissions, API tokens): a fresh login or a changed role must count at
  once, not after the replica catches up;
- no transaction is open on the primary, and nothing has been written in this
  scope yet: read-your-writes within a request.

Everything else (every write, every service, every Celery job) uses the
primary. Saleor guards its writer/replica split the same way, by refusing
the wrong use loudly rather than trusting every call site: a write aimed at
the replica raises ``ReplicaWriteError``, whether it is an instance read from
the replica being saved (it may be stale: a service re-reads it under a lock
on the primary) or SQL other than a plain read sent on the replica
connection (``.using("replica").update(...)``). A hot standby refuses writes
itself; the guard makes the same mistake fail in tests too, where "replica"
mirrors the test database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

DEFAULT = "default"
REPLICA = "replica"

# App labels whose rows decide who the user is and what they may do.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "authtoken", "contenttypes"})


class ReplicaWriteError(RuntimeError):
    """A write was aimed at the read replica."""


@dataclass
class _ReplicaScope:
    # Set on the first write of the scope; reads stay on the primary after it.
    wrote: bool = False


_scope: ContextVar[_ReplicaScope | None] = ContextVar("leadcourt_replica_scope", default=None)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may be served by the replica (see the module docstring
    for when they still are not). Nested scopes share the outer one, so a
    write anywhere keeps the rest of the request on the primary."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set(_ReplicaScope())
    try:
        yield
    finally:
        _scope.reset(token)


def replica_may_serve(model) -> bool:
    scope = _scope.get()
    return (
        scope is not None
        and not scope.wrote
        and settings.READ_REPLICA_ENABLED
        and model._meta.app_label not in PRIMARY_ONLY_APPS
        and not _transaction_open_on_primary()
    )


def _transaction_open_on_primary() -> bool:
    # The transaction a TestCase wraps each test in is not one the code under
    # test opened; Django's durable-atomic check ignores it the same way.
    return any(not block._from_testcase for block in connections[DEFAULT].atomic_blocks)


class PrimaryReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as ``replica_may_serve`` says, writes
    and migrations on the primary only."""

    def db_for_read(self, model, **hints):
        return REPLICA if replica_may_serve(model) else DEFAULT

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and getattr(instance, "_state", None) and instance._state.db == REPLICA:
            raise ReplicaWriteError(
                f"{model._meta.label} {instance.pk} was read from the replica and may be stale: "
                "write through a service, which reads it again under a lock on the primary"
            )
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's schema; never migrate it directly.
        return db == DEFAULT


# --- the guard on the replica connection --------------------------------------------

# SET covers session settings (SET CONSTRAINTS, SET TIME ZONE): a standby accepts them.
_READ_STATEMENT = re.compile(
    r"\s*(SELECT|WITH|SHOW|EXPLAIN|SET|RESET|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE
)
# Row locks are writes too: a standby cannot take them.
_WRITING = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE)\b",
    re.IGNORECASE,
)


def statement_reads_only(sql: str) -> bool:
    return bool(_READ_STATEMENT.match(sql)) and not _WRITING.search(sql)


def _refuse_writes(execute, sql, params, many, context):
    if many or not statement_reads_only(sql):
        raise ReplicaWriteError(f"refused on the read replica (writes go to the primary): {sql[:200]}")
    return execute(sql, params, many, context)


@receiver(connection_created, dispatch_uid="leadcourt.db_router.guard_replica")
def _guard_replica_connection(sender, connection, **kwargs):
    # Each thread has its own wrapper and each reconnect sends the signal:
    # add the guard once per wrapper, first in line, so that a caller's
    # `with connection.execute_wrapper(...)` pops its own wrapper, not ours.
    if connection.alias == REPLICA and _refuse_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _refuse_writes)

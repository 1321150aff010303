"""Claiming work in batches so that several workers can sweep at once.

Each batch is one transaction: select up to ``batch_size`` candidate ids with
``FOR UPDATE SKIP LOCKED``, hand them to the caller, commit. Rows another
worker (or a user's request) holds are skipped, not waited for: two sweeps
over the same overdue leads split them instead of both acting on each one.
Keyset pagination on the primary key means every candidate is looked at
once per run, so a row the caller leaves as it is (a lead that no longer
qualifies) cannot make the loop spin.

On SQLite (the embedded setup) there are no row locks; its single writer
serialises the sweeps instead, and the services re-check every row anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from leadcourt.errors import ApplicationError

DEFAULT_BATCH_SIZE = 200


def for_each_locked_batch(
    queryset: QuerySet,
    handle: Callable[[list[int]], None],
    *,
    batch_size: int | None = None,
    lock: bool = True,
) -> int:
    """Call ``handle(ids)`` for each locked batch of ``queryset``'s rows,
    inside the batch's transaction; return how many rows were claimed.

    ``handle`` runs with the rows locked: the per-row services it calls lock
    them again (a no-op within the same transaction) and re-check their state.
    An exception in ``handle`` rolls back its batch and propagates (the task
    retries; earlier batches stay committed, which is fine for idempotent work).

    ``lock=False`` leaves the locking to ``handle`` (still one transaction per
    batch), for rows that must be locked after others: a case after its lead.
    """
    batch_size = batch_size or DEFAULT_BATCH_SIZE
    claimed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            candidates = queryset.filter(pk__gt=last_pk).order_by("pk")
            if lock:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            ids = list(candidates.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return claimed
            handle(ids)
        claimed += len(ids)
        last_pk = ids[-1]


@dataclass
class Outcome:
    done: int = 0
    # Rows a service refused when it re-checked them under its lock: changed
    # by someone else since the candidate query (decided, appealed, ...).
    skipped: int = 0


def act_on_each_locked(queryset: QuerySet, act: Callable[[int], object]) -> Outcome:
    """Call ``act(pk)`` (one service call) for every candidate row, claimed in
    locked batches; a refusal (``ApplicationError``) counts as skipped."""
    outcome = Outcome()

    def handle(ids: list[int]) -> None:
        for pk in ids:
            try:
                act(pk)
            except ApplicationError:
                outcome.skipped += 1
            else:
                outcome.done += 1

    for_each_locked_batch(queryset, handle)
    return outcome

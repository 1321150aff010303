"""Lead querysets refuse to change ``state`` behind the history's back.

``state`` is a protected FSM field, so ``lead.state = …`` already fails; but
``Lead.objects.filter(…).update(state=…)`` (and ``bulk_update`` with
``state``, which goes through it) would move leads with no history row, no
lock and no guard. ``update()`` therefore refuses a ``state`` key, and points
to the services.

Why here and not a trigger on the lead table that requires a matching history
row: the set-based services (the decision and follow-up sweeps in
adjudication/services/opening.py) update many leads first and write their
history rows with one bulk insert after, in the same transaction, so such a
trigger would have to be deferred to commit and probe the history once per
changed lead (a million probes for a sweep over a million leads); and "matching"
cannot be pinned to this transaction reliably (savepoints run under their own
transaction ids). The database keeps what only it can keep: the history
itself, which the app's role may append to but not change (leads/0010,
0003). A raw-SQL ``UPDATE`` of ``state`` by the app is not caught; code review
and the services are the line there.

The sweeps do not call ``update()`` (they compile the ``UPDATE … RETURNING``
themselves) and the import only inserts leads; a set-based service that does
want ``update()`` for a state calls ``bulk_transition_update``, by name.
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models, transaction


class LeadStateUpdateRefused(FieldError):
    """A queryset ``update()`` tried to set ``state``: a programming error."""


class LeadQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "state" in kwargs:
            raise LeadStateUpdateRefused(
                "A lead's state changes only through the lead services (leads/services, "
                "adjudication/services), which lock the lead, run its transition and write its "
                "history row; update(state=…) would change states with no history. A set-based "
                "service that writes the history rows itself, in the same transaction, calls "
                "bulk_transition_update()."
            )
        return super().update(**kwargs)

    def bulk_transition_update(self, **kwargs) -> int:
        """``update(**kwargs)``, ``state`` allowed: for a set-based service that
        writes one history row per changed lead in the same transaction.

        Refuses outside a transaction (``transaction.atomic``), where the
        updated states would be committed before any history row.
        """
        if not transaction.get_connection(self.db).in_atomic_block:
            raise transaction.TransactionManagementError(
                "bulk_transition_update() runs inside the transaction that writes the history rows"
            )
        return super().update(**kwargs)

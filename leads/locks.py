"""Row locks, one helper per locked queryset (Saleor's ``lock_objects``).

Lock order everywhere: the lead first, then its case. Two services that both
need both therefore never deadlock.
"""

from __future__ import annotations

from leads.models import Lead


def lead_lock(lead_id: int) -> Lead:
    """Lock one lead for the current transaction and return it freshly read.

    ``of=("self",)`` keeps PostgreSQL from also locking joined rows.
    Raises ``Lead.DoesNotExist`` if the lead is gone.
    """
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead_id)

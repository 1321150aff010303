"""Recomputing the metric snapshots (SPEC §7) by SQL aggregation.

``snapshots_recompute(first=…, last=…)`` replaces every snapshot row of the
weeks and months overlapping those days, in one transaction: running it
twice gives the same rows, and it can be run for any range (the job runs it
for recent months; ``full=True`` for all history).

Each table is filled by one set-based ``INSERT … SELECT`` per source, for
every period and dimension at once (see ``grouping``):

* ``deliveries`` — ``DeliverySnapshot``: each delivery to sales and what became of it;
* ``funnel`` — ``FunnelSnapshot``: leads created per period and how far they got;
* ``verdicts`` — ``VerdictSnapshot``: verdicts per period, and votes per judge;
* ``spans`` — which periods a recompute covers; ``labels`` — display names;
* ``recompute`` — the transaction that replaces the rows.
"""

from metrics.snapshots.recompute import (
    RECENT_MONTHS,
    RecomputeResult,
    snapshots_recompute,
    snapshots_recompute_recent,
)

__all__ = ["RECENT_MONTHS", "RecomputeResult", "snapshots_recompute", "snapshots_recompute_recent"]

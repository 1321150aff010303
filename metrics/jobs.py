"""The metrics snapshots job (SPEC §8): every 15 minutes and on demand
(``python manage.py run_job metrics_snapshots``)."""

from __future__ import annotations

from datetime import date, datetime

from leadcourt.jobs.report import JobReport
from metrics.periods import local_today
from metrics.snapshots import snapshots_recompute, snapshots_recompute_recent


def metrics_snapshots(
    *,
    now: datetime | None = None,
    start: date | None = None,
    end: date | None = None,
    full: bool = False,
) -> JobReport:
    """Recompute the dashboard snapshots.

    By default the weeks and months of the current month and the two before
    it (what recent decisions and verdicts can still change); ``full`` for
    all history; ``start``/``end`` (days, inclusive) for any other range.
    Idempotent, and safe on several workers at once (see ``snapshots_recompute``).
    """
    if start is not None or end is not None:
        last = end or local_today(now)
        result = snapshots_recompute(first=start or last, last=last, now=now)
    else:
        result = snapshots_recompute_recent(now=now, full=full)
    return JobReport(
        job="metrics_snapshots",
        summary=str(result),
        counts={"weeks": result.weeks, "months": result.months, "rows": result.rows},
    )

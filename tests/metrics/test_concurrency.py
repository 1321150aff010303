"""Two workers recomputing the snapshots at once (SPEC §8: jobs are safe to
run on several workers): they take turns on an advisory lock, so neither
trips over the other's rows on the unique key, and the result is the same
as one run. Needs PostgreSQL and real commits (one connection per thread)."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from metrics import snapshots
from metrics.models import DeliverySnapshot
from metrics.snapshots import recompute, snapshots_recompute
from tests.clock import london
from tests.factories import mql, sal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]


def test_two_concurrent_recomputes_take_turns_and_agree(clock, marketer, rep):
    sal(marketer, rep)
    mql(marketer, rep)
    now = london(2025, 1, 20, 9, 0)
    first, last = london(2025, 1, 1).date(), london(2025, 1, 31).date()

    # Hold each run inside its transaction a moment after its inserts, so the
    # second run certainly arrives while the first still holds its rows.
    real_rows_insert = recompute.rows_insert

    def slow_rows_insert(*args, **kwargs):
        inserted = real_rows_insert(*args, **kwargs)
        time.sleep(0.3)
        return inserted

    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = snapshots_recompute(first=first, last=last, now=now)
        except Exception as exc:  # reported by the assertion below
            outcomes[index] = exc
        finally:
            connection.close()

    with mock.patch.object(recompute, "rows_insert", side_effect=slow_rows_insert):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert all(isinstance(outcome, snapshots.RecomputeResult) for outcome in outcomes), outcomes
    assert outcomes[0].rows == outcomes[1].rows
    overall = DeliverySnapshot.objects.get(period="month", dimension="overall")
    assert (overall.delivered, overall.accepted) == (2, 1)

"""Running calls at the same instant in threads, for the tests of races on
real PostgreSQL row locks (modules marked ``transaction=True``)."""

from __future__ import annotations

import threading

from django.db import connection


def run_at_once(*calls):
    """Run each call in its own thread, released together by a barrier; return
    what each returned or raised, in order. Each thread closes its own connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=5)
            outcomes[index] = call()
        except BaseException as exc:  # reported to the test, whatever it is
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is stuck (deadlock?)"
    return outcomes

# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608).
"""Small SQL builders of the dataset: literals, weighted picks, the
deterministic per-row randomness, working-day arithmetic, and the timed
step printer."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, timedelta

from dataset_tables import EPOCH_MONDAY

# --- small SQL builders ------------------------------------------------------------------


def q(text: str) -> str:
    """A SQL string literal (for the script's own constants only)."""
    return "'" + text.replace("'", "''") + "'"


def sql_array(values) -> str:
    return "(ARRAY[" + ",".join(q(v) for v in values) + "])"


def pick(weighted, r_expr: str) -> str:
    """A CASE choosing a value of ``weighted`` [(value, weight)] by the uniform ``r_expr``."""
    total = sum(w for _, w in weighted)
    parts, acc = [], 0.0
    for value, weight in weighted[:-1]:
        acc += weight / total
        parts.append(f"WHEN {r_expr} < {acc:.6f} THEN {q(value)}")
    return f"(CASE {' '.join(parts)} ELSE {q(weighted[-1][0])} END)"


def r(salt: int, key: str = "g") -> str:
    """Uniform [0, 1) from the row key and a salt: deterministic per row."""
    return f"pg_temp.r({key}, {salt})"


def ri(salt: int, lo: int | str, hi: int | str, key: str = "g") -> str:
    """Uniform integer in [lo, hi]."""
    return f"(({lo}) + floor(pg_temp.r({key}, {salt}) * (({hi}) - ({lo}) + 1))::int)"


def wd_index(day: date) -> int:
    weeks, weekday = divmod((day - EPOCH_MONDAY).days, 7)
    assert weekday < 5
    return weeks * 5 + weekday


def wd_date(index: int) -> date:
    weeks, weekday = divmod(index, 5)
    return EPOCH_MONDAY + timedelta(days=weeks * 7 + weekday)


@contextmanager
def step(name: str, timings: list):
    started = time.perf_counter()
    print(f"  {name:<52}", end="", flush=True)
    yield
    seconds = time.perf_counter() - started
    timings.append((name, seconds))
    print(f"{seconds:8.1f} s", flush=True)

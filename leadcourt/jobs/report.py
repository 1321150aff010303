"""What a job did, for ``run_job``'s output and the worker's log."""

from __future__ import annotations

from dataclasses import dataclass, field


def plural(count: int, noun: str) -> str:
    """``count`` and the noun that goes with it: "1 case", "2 cases"."""
    return f"{count} {noun if count == 1 else noun + 's'}"


@dataclass(frozen=True)
class JobReport:
    """A job's outcome: counts by name, and one line saying them in words
    (``str(report)``), e.g. "flagged 12 ignored leads, opened 12 cases"."""

    job: str
    summary: str
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.summary

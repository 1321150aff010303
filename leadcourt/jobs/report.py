"""What a job did, for ``run_job``'s output and the worker's log."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class JobReport:
    """A job's outcome: counts by name, and one line saying them in words
    (``str(report)``), e.g. "flagged 12 ignored leads, opened 12 cases"."""

    job: str
    summary: str
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.summary

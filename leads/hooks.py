"""Where apps built on leads join a lead transition, without leads importing them.

Dependencies run one way (kernel ← leads ← adjudication ← metrics, held by
import-linter), yet one rule crosses the line: in review mode
``all_rejections`` every rejection goes before the judges in the same
transaction as the rejection itself. The court owns that rule, so it
registers an "after reject" handler here from ``AdjudicationConfig.ready()``,
and the reject services call ``after_reject_run`` at the point where the
rejection is written.

Why an explicit registry rather than a Django signal: the handler is part of
the rejection's invariant (no rejection in that mode commits without its
case), so it must run synchronously, inside the service's transaction and
under its lock, and an exception in it must roll the rejection back. A list
of functions called by name at that one place says so to the reader; a
signal would look optional and hide who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the step's module imports this one
    from leads.services.transition_step import TransitionStep

AfterReject = Callable[["TransitionStep"], None]

_after_reject: list[AfterReject] = []


def after_reject_register(handler: AfterReject) -> None:
    """Run ``handler(step)`` after every rejection (``reject`` and ``return
    after follow-up``), once the rejection and its history row are written,
    in the same transaction. Registering the same handler twice keeps one."""
    if handler not in _after_reject:
        _after_reject.append(handler)


def after_reject_run(step: TransitionStep) -> None:
    """Called by the reject services; a handler's refusal rolls the rejection back."""
    for handler in _after_reject:
        handler(step)

"""Errors raised by services, one per kind of failure a user can cause.

Services raise these and nothing else for expected failures; the browser
views show ``message`` next to the form, the API maps each class to its
status code (409, 403, 400, 404). Each carries a stable ``code`` for clients.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class ApplicationError(Exception):
    """Base class: a refused action. Nothing was written when one is raised."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, extra: Mapping | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = dict(extra or {})


class InvalidTransition(ApplicationError):
    """The lead (or case) is not in a state that allows the action.

    Also what the loser of a race gets: after waiting for the winner's row
    lock it re-reads the state and finds the action no longer possible.
    """

    code = "invalid_transition"
    status = 409

    def __init__(self, message: str, *, state: str, allowed: Iterable[str]):
        super().__init__(message, extra={"state": state, "allowed": sorted(allowed)})
        self.state = state
        self.allowed = sorted(allowed)


class Conflict(ApplicationError):
    """Someone else changed the object first (optimistic check failed)."""

    code = "conflict"
    status = 409


class GuardFailed(ApplicationError):
    """The state allows the action but a rule of the rulebook does not yet
    (too few criteria, too few touches, window closed, no rep to route to)."""

    code = "guard_failed"
    status = 409


class ActionForbidden(ApplicationError):
    """The actor may not do this to this object (role, ownership, recusal)."""

    code = "forbidden"
    status = 403


class InvalidInput(ApplicationError):
    """Bad fields: ``errors`` maps each field to its messages."""

    code = "invalid"
    status = 400

    def __init__(self, errors: Mapping[str, str | list[str]], message: str | None = None):
        normalised = {
            field: [msgs] if isinstance(msgs, str) else list(msgs) for field, msgs in errors.items()
        }
        if message is None:
            message = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in normalised.items())
        super().__init__(message, extra={"errors": normalised})
        self.errors = normalised

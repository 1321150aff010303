"""What every app's "who is told what" module (``leads/notify.py``,
``adjudication/notify.py``) needs to say it the same way."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def notify_time(moment: datetime | None) -> str | None:
    """A moment as the notification's JSON context stores it (ISO 8601);
    delivery turns ``*_at`` values back into datetimes for the templates."""
    return moment.isoformat() if moment else None


def notify_others(user_ids: Iterable[int | None], actor=None) -> list[int]:
    """The users to tell, each once: never the one who acted."""
    return sorted(set(user_ids) - {None, getattr(actor, "pk", None)})

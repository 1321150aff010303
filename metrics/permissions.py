"""Who may see the dashboards and the metrics API (SPEC §1): managers, and
administrators (superusers may do everything). Judges, reps and marketers
get a 403: the dashboards compare people, so they are for managers."""

from __future__ import annotations

from leadcourt.accounts import roles

REFUSAL = "Only managers may see the dashboards and metrics."


def may_view_metrics(user) -> bool:
    return roles.is_superuser(user) or roles.is_manager(user)

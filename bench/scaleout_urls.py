"""The app's URLconf with the list pages marked @reads_from_replica, for the
scale-out bench only (bench/scaleout_settings.py).

The managers' dashboards and their CSV exports are marked in the app itself
(metrics/views.py). The list pages below are the ones proposed for marking
next (docs/scaling.md, "Past one machine"); their modules were being edited
when this was written, so the bench marks them here, by URL name, to
measure what marking them will do. Nothing in the app imports this file.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from leadcourt.replica_reads import reads_from_replica
from leadcourt.urls import urlpatterns

# URL name (with its namespace) -> what it lists.
PROPOSED = {
    "lead-list": "Manager: All leads",
    "rep-inbox": "Rep: inbox",
    "rep-worked": "Rep: My accepted leads",
    "marketer-leads": "Marketer: My leads",
    "review-queue": "Judge: review queue",
    "rejected-leads": "Marketer: rejected leads",
    "api:leads": "GET /api/v1/leads/",
    "api:cases": "GET /api/v1/cases/",
    "api:metrics-acceptance": "GET /api/v1/metrics/acceptance/",
}


def _mark(patterns, namespace: str = "") -> set[str]:
    marked = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            marked |= _mark(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and f"{namespace}{pattern.name}" in PROPOSED:
            pattern.callback = reads_from_replica(pattern.callback)
            marked.add(f"{namespace}{pattern.name}")
    return marked


_missing = set(PROPOSED) - _mark(urlpatterns)
if _missing:
    raise RuntimeError(f"bench/scaleout_urls.py: no such URL names any more: {sorted(_missing)}")

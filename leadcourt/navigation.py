"""The main navigation: which pages each role gets, in one list.

Every app's pages are listed here by URL name; an entry appears only when the
user holds one of its roles (superusers see everything) and the URL exists,
so an app can ship its pages without touching ``base.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, reverse

from leadcourt.accounts import roles

EVERYONE = ()


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    for_roles: tuple[str, ...]
    # Other URL names that belong to this section, so it stays highlighted on them.
    also_active_on: tuple[str, ...] = ()


MAIN_NAV = (
    NavEntry("Inbox", "rep-inbox", (roles.SALES_REP,)),
    NavEntry("My accepted leads", "rep-worked", (roles.SALES_REP,)),
    NavEntry("My leads", "marketer-leads", (roles.MARKETER,), ("lead-new",)),
    NavEntry("Rejected", "rejected-leads", (roles.MARKETER,)),
    NavEntry("Campaigns", "campaigns", (roles.MARKETER, roles.MANAGER)),
    NavEntry("Import", "lead-import", (roles.MARKETER,), ("lead-import-detail",)),
    NavEntry("Review queue", "review-queue", (roles.JUDGE,), ("case-detail",)),
    NavEntry("All leads", "lead-list", (roles.MANAGER,)),
    NavEntry("Dashboards", "dashboards", (roles.MANAGER,)),
    NavEntry("Rulebook", "rulebook", EVERYONE),
)

ACCOUNT_NAV = (
    NavEntry("Notifications", "notification-preferences", EVERYONE),
    NavEntry("Change password", "password_change", EVERYONE),
)


@cache
def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _entries_for(entries, user, current: str | None) -> list[dict]:
    held = roles.user_roles(user)
    shown = []
    for entry in entries:
        if entry.for_roles and not (roles.is_superuser(user) or held.intersection(entry.for_roles)):
            continue
        url = _url(entry.url_name)
        if url is None:
            continue
        active = current == entry.url_name or current in entry.also_active_on
        shown.append({"label": entry.label, "url": url, "active": active})
    return shown


def navigation(request) -> dict:
    """Context processor: ``main_nav`` and ``account_nav`` for the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_nav": [], "account_nav": []}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    return {
        "main_nav": _entries_for(MAIN_NAV, user, current),
        "account_nav": _entries_for(ACCOUNT_NAV, user, current),
    }

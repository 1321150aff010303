"""Roles are Django groups; this module is the one place that names them.

``user_roles`` caches the user's role names on the instance so that a page
asking "is this a rep? a judge?" several times costs one query.
"""

from __future__ import annotations

from django.db import models

SALES_REP = "sales_rep"
MARKETER = "marketer"
JUDGE = "judge"
MANAGER = "manager"
ALL_ROLES = (SALES_REP, MARKETER, JUDGE, MANAGER)

SYSTEM_USERNAME = "system"


def user_roles(user) -> frozenset[str]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_leadcourt_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._leadcourt_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


def is_sales_rep(user) -> bool:
    return has_role(user, SALES_REP)


def is_marketer(user) -> bool:
    return has_role(user, MARKETER)


def is_judge(user) -> bool:
    return has_role(user, JUDGE)


def is_manager(user) -> bool:
    return has_role(user, MANAGER)


def is_superuser(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def active_users_with_role(role: str) -> models.QuerySet:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=role, is_active=True, is_system=False)


def system_actor():
    """The user that scheduled jobs act as in the history (created by a migration)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=SYSTEM_USERNAME, is_system=True)


def forget_cached_roles(user) -> None:
    # Called after group membership changes within one request or test.
    if hasattr(user, "_leadcourt_roles"):
        del user._leadcourt_roles

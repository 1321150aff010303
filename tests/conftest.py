"""Shared fixtures: persona users and the service-availability rule.

Tests marked ``postgres`` need PostgreSQL (row locks, concurrency, triggers);
``redis`` ones need a Redis broker. On a developer's SQLite run they are
skipped with a reason; with ``LEADCOURT_REQUIRE_SERVICES=1`` (what ``make
test`` and so CI set) a missing service fails the run instead.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department, User

REQUIRE_SERVICES = os.environ.get("LEADCOURT_REQUIRE_SERVICES") == "1"


def _service_missing(request, why: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{why} (LEADCOURT_REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(why)


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _service_missing(request, f"needs PostgreSQL, running on {connection.vendor}")
    if request.node.get_closest_marker("redis"):
        import redis

        url = os.environ.get("CELERY_BROKER_URL", "")
        if not url.startswith("redis://"):
            _service_missing(request, "needs Redis: CELERY_BROKER_URL is not a redis:// URL")
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            _service_missing(request, f"needs Redis at {url}: {exc}")


def make_user(username: str, *role_names: str, department: str = Department.OTHER, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password="correct horse battery staple",
        first_name=username.replace("_", " ").title(),
        email=f"{username}@example.com",
        department=department,
        **extra,
    )
    for name in role_names:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def rep(db) -> User:
    return make_user("rep", roles.SALES_REP, department=Department.SALES)


@pytest.fixture
def other_rep(db) -> User:
    return make_user("other_rep", roles.SALES_REP, department=Department.SALES)


@pytest.fixture
def marketer(db) -> User:
    return make_user("marketer", roles.MARKETER, department=Department.MARKETING)


@pytest.fixture
def other_marketer(db) -> User:
    return make_user("other_marketer", roles.MARKETER, department=Department.MARKETING)


@pytest.fixture
def judge(db) -> User:
    return make_user("judge", roles.JUDGE, department=Department.EXECUTIVE)


@pytest.fixture
def manager(db) -> User:
    return make_user("manager", roles.MANAGER, department=Department.EXECUTIVE)


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider")


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.com", "correct horse battery staple")


@pytest.fixture
def system(db) -> User:
    return roles.system_actor()

"""Shared fixtures: persona users and the service-availability rule.

Tests marked ``postgres`` need PostgreSQL (row locks, concurrency, triggers);
``redis`` ones need a Redis broker. On a developer's SQLite run they are
skipped with a reason; with ``LEADCOURT_REQUIRE_SERVICES=1`` (what ``make
test`` and so CI set) a missing service fails the run instead.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department, User
from leadcourt.celery import app as celery_app
from leads.services import rulebook_version_create
from tests.clock import Clock, london
from tests.database_logins import Logins

REQUIRE_SERVICES = os.environ.get("LEADCOURT_REQUIRE_SERVICES") == "1"


def _service_missing(request, why: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{why} (LEADCOURT_REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner role (tests/database_logins.py)."""
    Logins.start_as_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's setup, then the tests log in as the app's role."""
    with pytest.MonkeyPatch.context() as monkeypatch, Logins.tests_as_app(monkeypatch):
        yield


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


@pytest.fixture(autouse=True)
def _empty_cache(django_db_setup, django_db_blocker):
    """Each test starts with an empty cache: the API throttles and the login
    lockout count in it. Without CACHE_URL the cache is a table of the test
    database, so it is emptied even for a test that otherwise uses no database."""
    from django.core.cache import cache

    with django_db_blocker.unblock():
        cache.clear()


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path_factory):
    """Uploads (CSV imports) from any test land in a temporary folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


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


@pytest.fixture
def rules(admin_user):
    """Publish a new rulebook version with some rules changed, as an administrator would."""

    def publish(**changes):
        return rulebook_version_create(actor=admin_user, change_note="test", **changes)

    return publish


@pytest.fixture
def celery_eager():
    """Run ``.delay()`` in-process (what a worker would do), errors raised, so
    that after-commit delivery lands in ``mailoutbox``.

    Set on the app itself: overriding the Django setting does not reach an
    app that is already configured. The real-worker test covers the rest.
    """
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture(scope="module")
def migrated_data_restored(django_db_setup, django_db_blocker):
    """Put back what the data migrations created once a module's transactional
    tests are done.

    A ``transaction=True`` test ends with a flush that empties every table,
    including the rulebook v1, the reason codes, the role groups and the
    system actor. Tests that run later, and the next ``--reuse-db`` run,
    would find them gone. Use with ``serialized_rollback=True`` (which
    restores the same data at the start of each such test):

        pytestmark = [
            pytest.mark.django_db(transaction=True, serialized_rollback=True),
            pytest.mark.usefixtures("migrated_data_restored"),
        ]

    Module scope so the restore runs after the last test's flush.
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Persona fixtures set real passwords; the production hasher costs ~0.2 s
    # per user, which is most of a test's time and tests nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """Freeze time at Monday 13 January 2025, 09:00 London (a working day's
    opening); tests move it with ``set``/``advance``."""
    frozen = Clock(london(2025, 1, 13, 9, 0))
    with mock.patch("django.utils.timezone.now", side_effect=frozen.now):
        yield frozen

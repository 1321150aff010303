"""The tests run as the app's database role, as production does (README,
"Database roles").

With DATABASE_OWNER_URL set (``make test``), pytest-django creates, migrates
and drops the test database logged in as the owner, and every test's queries
log in as the app's role (DATABASE_URL), so a test fails where the app would
lack a privilege. The Celery worker and gunicorn that some tests start take
their login from the test connection, so they run as the app too. The flush
that ends a ``transaction=True`` test empties every table with one TRUNCATE,
the history's included, which only the owner may: it logs in as the owner.

Without DATABASE_OWNER_URL (one role), nothing changes.
"""

from __future__ import annotations

from contextlib import contextmanager

import environ
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import TransactionTestCase

LOGIN_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def _login_of(settings_dict: dict) -> dict:
    return {key: settings_dict[key] for key in LOGIN_KEYS}


def _log_in(login: dict) -> None:
    """The default alias's next connections log in with ``login``; the test
    database's name (and its mirrors, which share the dict) are kept."""
    for settings_dict in {
        id(d): d
        for d in (connections.settings[DEFAULT_DB_ALIAS], connections[DEFAULT_DB_ALIAS].settings_dict)
    }.values():
        settings_dict.update(login)
    for connection in connections.all(initialized_only=True):
        connection.close()


class Logins:
    """The app's and the owner's logins, known once the settings are read."""

    app: dict | None = None
    owner: dict | None = None

    @classmethod
    def start_as_owner(cls) -> None:
        """Before pytest-django sets up the test database: log in as the owner."""
        if not settings.DATABASE_OWNER_URL:
            return
        cls.app = _login_of(connections.settings[DEFAULT_DB_ALIAS])
        cls.owner = _login_of(environ.Env.db_url_config(settings.DATABASE_OWNER_URL))
        _log_in(cls.owner)

    @classmethod
    @contextmanager
    def tests_as_app(cls, monkeypatch):
        """Between the test database's setup and its teardown (both the
        owner's): the app's login, but the owner's for each flush."""
        if cls.owner is None:
            yield
            return
        flush = TransactionTestCase._fixture_teardown

        def flush_as_owner(test_case):
            _log_in(cls.owner)
            try:
                flush(test_case)
            finally:
                _log_in(cls.app)

        monkeypatch.setattr(TransactionTestCase, "_fixture_teardown", flush_as_owner)
        _log_in(cls.app)
        try:
            yield
        finally:
            _log_in(cls.owner)


# --- for the tests that check what each role may do ---------------------------------------


def app_role_or_skip() -> str:
    """The app's role, for a test that needs both roles: a failure under
    ``make test`` (LEADCOURT_REQUIRE_SERVICES=1) when the run has only one
    role, a skip elsewhere."""
    import os

    import pytest

    if not settings.DATABASE_APP_ROLE:
        why = "needs the app's and the owner's database roles: DATABASE_OWNER_URL is not set"
        if os.environ.get("LEADCOURT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{why} (LEADCOURT_REQUIRE_SERVICES=1: a missing service is a failure)")
        pytest.skip(why)
    return settings.DATABASE_APP_ROLE


def owner_connection(*, autocommit: bool = False):
    """A psycopg connection to the test database as the owner, beside the
    test's own (the app's)."""
    import psycopg
    from django.db import connection

    login = Logins.owner
    return psycopg.connect(
        host=login["HOST"] or "127.0.0.1",
        port=login["PORT"] or 5432,
        user=login["USER"],
        password=login["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
        connect_timeout=5,
        autocommit=autocommit,
    )

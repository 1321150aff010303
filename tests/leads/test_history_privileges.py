"""The app's database role cannot erase or rewrite the lead history (README,
"Database roles"): it may append to it and read it, and nothing else, because
migrations run as another role that owns the tables (leads/0010).

The suite logs in as the app's role (tests/database_logins.py), so these tests
ask the database what the running app could do.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.conf import settings
from django.db import ProgrammingError, connection, transaction

from leads.models import LeadEvent
from tests.database_logins import Logins
from tests.factories import inquiry

pytestmark = pytest.mark.postgres

HISTORY = "leads_leadevent"
TRIGGER = "leads_leadevent_append_only"


@pytest.fixture(autouse=True)
def app_role(db) -> str:
    """The app's role, or a failure (under ``make test``) or skip when the
    run has only one role."""
    if not settings.DATABASE_APP_ROLE:
        why = "needs the app's and the owner's database roles: DATABASE_OWNER_URL is not set"
        if os.environ.get("LEADCOURT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{why} (LEADCOURT_REQUIRE_SERVICES=1: a missing service is a failure)")
        pytest.skip(why)
    return settings.DATABASE_APP_ROLE


def query(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def owner_connection() -> psycopg.Connection:
    login = Logins.owner
    return psycopg.connect(
        host=login["HOST"] or "127.0.0.1",
        port=login["PORT"] or 5432,
        user=login["USER"],
        password=login["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
        connect_timeout=5,
    )


def test_the_tests_run_as_the_app_role_which_owns_nothing(app_role):
    assert query("SELECT current_user") == [(app_role,)]
    (owner,) = query("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [HISTORY])[0]
    assert owner != app_role
    owned = query(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relowner = current_user::regrole"
    )
    assert owned == [(0,)]


def test_on_the_history_the_app_role_may_insert_and_select_only(app_role):
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    held = {
        privilege: query("SELECT has_table_privilege(%s, %s, %s)", [app_role, HISTORY, privilege])[0][0]
        for privilege in privileges
    }
    assert held == {privilege: privilege in ("SELECT", "INSERT") for privilege in privileges}


def test_the_app_role_appends_history_rows_and_reads_them(marketer):
    lead = inquiry(marketer)  # the service inserts the "create" row

    assert list(LeadEvent.objects.filter(lead=lead).values_list("transition", flat=True)) == ["create"]


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("TRUNCATE leads_leadevent", f"permission denied for table {HISTORY}"),
        ("TRUNCATE leads_leadevent CASCADE", f"permission denied for table {HISTORY}"),
        ("UPDATE leads_leadevent SET note = 'rewritten'", f"permission denied for table {HISTORY}"),
        ("DELETE FROM leads_leadevent", f"permission denied for table {HISTORY}"),
        (f"ALTER TABLE {HISTORY} DISABLE TRIGGER {TRIGGER}", f"must be owner of table {HISTORY}"),
        (f"ALTER TABLE {HISTORY} DISABLE TRIGGER ALL", f"must be owner of table {HISTORY}"),
        (f"DROP TRIGGER {TRIGGER} ON {HISTORY}", f"must be owner of relation {HISTORY}"),
        (f"DROP TABLE {HISTORY} CASCADE", f"must be owner of table {HISTORY}"),
        (f"DROP FUNCTION {TRIGGER}() CASCADE", f"must be owner of function {TRIGGER}"),
        (
            f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
            "LANGUAGE plpgsql",
            "permission denied for schema public",
        ),
        (f"ALTER TABLE {HISTORY} RENAME TO leads_leadevent_old", f"must be owner of table {HISTORY}"),
    ],
)
def test_the_app_role_cannot_erase_rewrite_or_unguard_the_history(marketer, statement, refusal):
    event = LeadEvent.objects.get(lead=inquiry(marketer))

    with pytest.raises(ProgrammingError, match=refusal) as refused, transaction.atomic():
        query(statement)

    assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege)
    assert LeadEvent.objects.get(pk=event.pk).note == ""
    assert query("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [TRIGGER]) == [("O",)]


def test_the_app_role_cannot_create_tables():
    with pytest.raises(ProgrammingError, match="permission denied for schema public"), transaction.atomic():
        query("CREATE TABLE leads_shadow_history (id bigint)")


def test_tables_that_later_migrations_create_are_granted_rows_to_the_app_role(app_role):
    """Default privileges: what the owner creates later, the app may read and
    write row by row, but not truncate."""
    with owner_connection() as owner:
        owner.execute("CREATE TABLE leads_later (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
        held = owner.execute(
            "SELECT has_table_privilege(%(role)s, 'leads_later', 'SELECT, INSERT, UPDATE, DELETE'), "
            "has_table_privilege(%(role)s, 'leads_later', 'TRUNCATE'), "
            "has_sequence_privilege(%(role)s, pg_get_serial_sequence('leads_later', 'id'), 'USAGE')",
            {"role": app_role},
        ).fetchone()
        owner.rollback()

    assert held == (True, False, True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
def test_for_the_owner_the_trigger_still_refuses_rewriting_or_deleting_history(marketer):
    """The second line: the role that owns the table could drop the trigger,
    but an UPDATE or DELETE by mistake is still refused."""
    event = LeadEvent.objects.get(lead=inquiry(marketer))  # committed

    with owner_connection() as owner:
        for statement in (
            "UPDATE leads_leadevent SET note = 'rewritten' WHERE id = %s",
            "DELETE FROM leads_leadevent WHERE id = %s",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                owner.execute(statement, [event.pk])
            owner.rollback()

    assert LeadEvent.objects.get(pk=event.pk).note == ""

"""The app's database role, which owns no table, refreshes planner
statistics through the function the owner defined for it
(leadcourt/jobs/migrations/0003_tables_analyze_function.py): ANALYZE with
the owner's rights, for tables of the public schema only, callable by the
app's role only (and by its owner).

The suite logs in as the app's role (tests/database_logins.py), so these
tests see what the running app would.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import ProgrammingError, connection, transaction

from leadcourt.planner_statistics import tables_analyze
from leads.models import Lead
from tests.database_logins import app_role_or_skip
from tests.database_logins import owner_connection as shared_owner_connection

pytestmark = pytest.mark.postgres

FUNCTION = "public.leadcourt_tables_analyze(regclass[])"
LEADS = "leads_lead"
ROWS = 137
ELSEWHERE = "leadcourt_elsewhere"


@pytest.fixture(scope="module", autouse=True)
def app_role() -> str:
    return app_role_or_skip()


def owner_connection():
    return shared_owner_connection(autocommit=True)


@pytest.fixture
def filled(marketer) -> int:
    """The lead table, analyzed empty by the owner (so the test starts from
    known statistics: ANALYZE writes them in place, a rolled-back test keeps
    them), then given ROWS leads that the planner does not know about yet."""
    with owner_connection() as owner:
        owner.execute(f"ANALYZE {LEADS}")  # what is committed: no lead
    Lead.objects.bulk_create(
        Lead(marketer=marketer, first_name=f"First{n}", last_name=f"Last{n}", email=f"person{n}@example.com")
        for n in range(ROWS)
    )
    return ROWS


@pytest.fixture(scope="module")
def owners_table_elsewhere(app_role, django_db_setup):
    """A table the owner owns outside the public schema, committed (the app's
    connection must see it). Dropped once the module's tests are over, not
    at each test's end: a test's transaction is rolled back after its
    fixtures end, and an ANALYZE let through would hold a lock on the table
    until then."""
    with owner_connection() as owner:
        owner.execute(f"CREATE SCHEMA {ELSEWHERE}")
        try:
            owner.execute(f"CREATE TABLE {ELSEWHERE}.shadow (id bigint)")
            owner.execute(f"GRANT USAGE ON SCHEMA {ELSEWHERE} TO PUBLIC")
            yield
        finally:
            owner.execute(f"DROP SCHEMA {ELSEWHERE} CASCADE")


def query(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def table_owner(table: str) -> str:
    return query("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [table])[0][0]


def statistics(table: str) -> tuple:
    """The planner's row count and when the table was last analyzed by hand
    (not by autovacuum), read afresh: the activity statistics are otherwise
    a snapshot taken once per transaction."""
    query("SELECT pg_stat_clear_snapshot()")
    return query(
        "SELECT c.reltuples, s.last_analyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.oid = %s::regclass",
        [table],
    )[0]


def test_the_app_role_which_owns_no_table_refreshes_its_statistics_through_tables_analyze(app_role, filled):
    assert query("SELECT current_user") == [(app_role,)]
    assert table_owner(LEADS) != app_role
    before = statistics(LEADS)
    assert before[0] == 0
    assert before[1] is not None

    # Its own ANALYZE is skipped with a mere warning (only the owner may).
    query(f"ANALYZE {LEADS}")
    assert statistics(LEADS) == before

    assert tables_analyze(Lead) == [LEADS]

    rows, analyzed_at = statistics(LEADS)
    assert rows == filled
    assert analyzed_at > before[1]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param("pg_catalog.pg_class", id="a-system-catalog"),
        pytest.param(f"{ELSEWHERE}.shadow", id="a-table-of-the-owner-in-another-schema"),
        pytest.param("leads_lead_id_seq", id="a-sequence-of-the-public-schema"),
    ],
)
@pytest.mark.usefixtures("owners_table_elsewhere")
def test_the_function_refuses_what_is_not_a_table_of_the_public_schema_and_analyzes_nothing(filled, other):
    before = statistics(LEADS)

    refusal = "is not a table of the public schema owned by"
    with pytest.raises(ProgrammingError, match=refusal) as refused, transaction.atomic():
        query("SELECT public.leadcourt_tables_analyze(%s::regclass[])", [[LEADS, other]])

    assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege)
    assert statistics(LEADS) == before


@pytest.mark.usefixtures("db")
def test_the_function_runs_as_the_owner_with_a_fixed_search_path_and_only_the_app_role_may_call_it(app_role):
    owner = table_owner(LEADS)
    definition = query(
        "SELECT prosecdef, proconfig, pg_get_userbyid(proowner), pronamespace::regnamespace::text "
        "FROM pg_proc WHERE oid = %s::regprocedure",
        [FUNCTION],
    )
    callers = query(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type "
        "FROM pg_proc p, aclexplode(p.proacl) a WHERE p.oid = %s::regprocedure",
        [FUNCTION],
    )

    assert definition == [(True, ["search_path=pg_catalog, public"], owner, "public")]
    assert sorted(callers) == sorted([(owner, "EXECUTE"), (app_role, "EXECUTE")])

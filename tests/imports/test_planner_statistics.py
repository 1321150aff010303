"""Build item 7: a bulk write refreshes the planner's statistics of what it
filled before anything computes over it (``leadcourt.planner_statistics``),
here after an import that created many leads.

The suite logs in as the app's database role, which owns no table (README,
"Database roles"): the statistics below are refreshed through the function
the owner defined for it (leadcourt/jobs/0003), not by the app's own ANALYZE,
which PostgreSQL would refuse with a mere warning."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from psycopg.sql import SQL, Identifier

from leadcourt.planner_statistics import tables_analyze
from leads.imports import services
from leads.imports.models import LeadImportStatus
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent
from tests.database_logins import app_role_or_skip, owner_connection
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres

FUNCTION = "public.leadcourt_tables_analyze(regclass[])"
ANALYZE_CALL = "SELECT public.leadcourt_tables_analyze(%s::regclass[])"
LEADS_AND_HISTORY = (ANALYZE_CALL, [["leads_lead", "leads_leadevent"]])


@pytest.fixture
def analyzed(db):
    """The statements that analyze (an ``ANALYZE`` of the app's own, or the
    function that runs it as the owner) run meanwhile, with their
    parameters; the lead and history tables start analyzed empty, so
    autovacuum's threshold for them is 50 rows."""
    assert tables_analyze(Lead, LeadEvent) == ["leads_lead", "leads_leadevent"]
    assert planner_rows("leads_lead") == planner_rows("leads_leadevent") == 0
    statements: list[tuple] = []

    def spy(execute, sql, params, many, context):
        if "analyze" in sql.lower():
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield statements


def planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def import_rows(actor, count: int, *, start: int = 1):
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(count, start=start))
    started = lead_import_start(actor=actor, file=upload(content), preset="salesforce", enqueue=False)
    return lead_import_run(import_id=started.pk)


def test_an_import_that_creates_many_leads_leaves_fresh_statistics_of_leads_and_history(marketer, analyzed):
    run = import_rows(marketer, 60)

    assert run.created_count == 60
    assert analyzed == [LEADS_AND_HISTORY]
    assert planner_rows("leads_lead") == planner_rows("leads_leadevent") == 60


def test_an_import_that_creates_few_leads_for_the_table_analyzes_nothing(marketer, analyzed):
    import_rows(marketer, 60)
    analyzed.clear()

    again = import_rows(marketer, 10, start=100)  # 10 < 50 + 10% of 60
    nothing_new = import_rows(marketer, 60)  # the same 60 leads: nothing created

    assert (again.created_count, nothing_new.created_count) == (10, 0)
    assert analyzed == []
    assert planner_rows("leads_lead") == 60


def test_tables_are_analyzed_once_the_rows_added_reach_what_autovacuum_waits_for(analyzed):
    assert tables_analyze(Lead, LeadEvent, rows_added=49) == []
    assert tables_analyze(Lead, LeadEvent, rows_added=50) == ["leads_lead", "leads_leadevent"]
    assert analyzed == [LEADS_AND_HISTORY]


@pytest.fixture
def app_role() -> str:
    return app_role_or_skip()


@pytest.fixture
def analyze_not_granted(app_role):
    """A database migrated with one role that was given an app role later,
    without the GRANT on the function (README, "Database roles"): the app
    may not analyze. The owner revokes it, committed, for the test only."""
    with owner_connection(autocommit=True) as owner:
        role = Identifier(app_role)
        owner.execute(SQL("REVOKE EXECUTE ON FUNCTION " + FUNCTION + " FROM {}").format(role))
        try:
            yield
        finally:
            owner.execute(SQL("GRANT EXECUTE ON FUNCTION " + FUNCTION + " TO {}").format(role))


def test_an_import_whose_statistics_cannot_be_refreshed_still_finishes_and_says_why_in_the_log(
    marketer, analyzed, analyze_not_granted, caplog
):
    caplog.set_level(logging.WARNING, logger=services.__name__)

    run = import_rows(marketer, 60)

    assert (run.status, run.created_count) == (LeadImportStatus.DONE, 60)
    assert Lead.objects.count() == 60
    assert analyzed == [LEADS_AND_HISTORY]  # tried, refused
    assert planner_rows("leads_lead") == 0
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage() for record in warnings] == [
        f"lead import {run.pk}: ANALYZE after the import failed"
    ]
    assert "permission denied for function leadcourt_tables_analyze" in str(warnings[0].exc_info[1])

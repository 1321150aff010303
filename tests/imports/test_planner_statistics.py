"""Build item 7: a bulk write refreshes the planner's statistics of what it
filled before anything computes over it (``leadcourt.planner_statistics``),
here after an import that created many leads."""

from __future__ import annotations

import pytest
from django.db import connection

from leadcourt.planner_statistics import tables_analyze
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres


@pytest.fixture
def analyzed(db):
    """The ANALYZE statements run meanwhile; the lead and history tables
    start analyzed empty, so autovacuum's threshold for them is 50 rows."""
    assert tables_analyze(Lead, LeadEvent) == ["leads_lead", "leads_leadevent"]
    statements: list[str] = []

    def spy(execute, sql, params, many, context):
        if sql.startswith("ANALYZE"):
            statements.append(sql)
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
    assert analyzed == ['ANALYZE "leads_lead", "leads_leadevent"']
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
    assert analyzed == ['ANALYZE "leads_lead", "leads_leadevent"']

"""``manage.py seed_demo``: demo users, reference data, and leads whose
histories were replayed through the real services."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from demo import bulk, data
from demo.management.commands import seed_demo as seed_demo_command
from leadcourt.accounts import roles
from leadcourt.accounts.models import User
from leads import services
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    ReviewMode,
    Segment,
    Touch,
)

pytestmark = pytest.mark.django_db

# Small enough to be quick, large enough for one lead of every story.
FEW_LEADS = 40


@pytest.fixture(autouse=True)
def debug_on(settings):
    # pytest-django runs with DEBUG off; the command refuses that by design.
    settings.DEBUG = True


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "touches": Touch.objects.count(),
        "users": User.objects.count(),
        "campaigns": Campaign.objects.count(),
        "segments": Segment.objects.count(),
    }


def assert_histories_chain_up_to_the_state():
    """Each event starts where the previous one ended, and the last one ends
    in the lead's current state; nothing happened in the future."""
    events = defaultdict(list)
    for event in LeadEvent.objects.order_by("lead_id", "occurred_at", "id").values(
        "lead_id", "transition", "from_state", "to_state", "occurred_at"
    ):
        events[event["lead_id"]].append(event)
    now = timezone.now()
    for lead_id, state in Lead.objects.values_list("pk", "state"):
        history = events[lead_id]
        assert history, f"lead {lead_id} has no history"
        assert history[0]["transition"] == "create"
        for previous, following in pairwise(history):
            assert following["from_state"] == previous["to_state"], (lead_id, previous, following)
        assert history[-1]["to_state"] == state, (lead_id, history[-1], state)
        assert history[-1]["occurred_at"] <= now


def test_seeding_creates_one_user_per_role_who_can_log_in_with_the_printed_password():
    output = seed(leads=0)

    expected = {
        "rep": {roles.SALES_REP},
        "rep2": {roles.SALES_REP},
        "marketer": {roles.MARKETER},
        "marketer2": {roles.MARKETER},
        "judge": {roles.JUDGE},
        "manager": {roles.MANAGER},
        "admin": set(),
    }
    for username, role_names in expected.items():
        user = User.objects.get(username=username)
        assert set(roles.user_roles(user)) == role_names
        assert authenticate(username=username, password=f"leadcourt-{username}") == user
        assert f"leadcourt-{username}" in output
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="rep").department == "sales"
    assert User.objects.get(username="judge").department == "executive"
    assert "http://127.0.0.1:8000/" in output


def test_seeding_creates_campaigns_with_forecasts_when_live_and_a_segment_owned_by_a_rep():
    seed(leads=0)

    assert 3 <= Campaign.objects.count() <= 4
    for campaign in Campaign.objects.exclude(status=CampaignStatus.DRAFT):
        assert None not in (
            campaign.forecast_leads,
            campaign.forecast_mqls,
            campaign.forecast_revenue,
            campaign.budget,
        )
    assert Segment.objects.count() == 3
    assert Segment.objects.filter(owner_rep__username="rep").exists()


def test_seeded_leads_cover_every_state_with_consistent_histories():
    seed(leads=FEW_LEADS)

    states = set(Lead.objects.values_list("state", flat=True))
    assert states == set(LeadState.values)
    assert Lead.objects.count() == FEW_LEADS
    assert_histories_chain_up_to_the_state()


def test_seeding_copes_with_a_rulebook_that_sends_every_rejection_to_review(admin_user):
    # In this mode the rejection itself opens an audit case: those stories end in review.
    services.rulebook_version_create(actor=admin_user, review_mode=ReviewMode.ALL_REJECTIONS)

    seed(leads=FEW_LEADS)

    assert Lead.objects.filter(state=LeadState.IN_REVIEW).exists()
    assert not Lead.objects.filter(state=LeadState.REJECTED).exists()
    assert_histories_chain_up_to_the_state()


def test_some_mqls_wait_with_a_deadline_ahead_and_a_few_are_overdue():
    seed(leads=FEW_LEADS)
    now = timezone.now()

    mqls = Lead.objects.filter(state=LeadState.MQL)
    assert mqls.filter(decision_due_at__gt=now).exists()
    assert mqls.filter(decision_due_at__lte=now).exists()
    assert Touch.objects.exists()


def test_history_is_spread_over_the_past_ninety_days():
    seed(leads=FEW_LEADS)
    now = timezone.now()

    oldest = Lead.objects.order_by("created_at").first().created_at
    assert now - oldest > timedelta(days=45)
    assert now - oldest <= timedelta(days=data.HISTORY_DAYS, minutes=5)


def test_running_twice_creates_nothing_the_second_time():
    seed(leads=FEW_LEADS)
    first = counts()

    seed(leads=FEW_LEADS)

    assert counts() == first


def test_refuses_to_run_without_debug_unless_told_to(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed(leads=0)
    assert not User.objects.filter(username="rep").exists()

    seed(leads=0, allow_production=True)
    assert User.objects.filter(username="rep").exists()


def test_leads_beyond_the_service_driven_ones_are_bulk_written_with_history(monkeypatch):
    # Shrink the two sizes so the test exercises several bulk batches quickly.
    monkeypatch.setattr(seed_demo_command, "SERVICE_DRIVEN_MAX", 20)
    monkeypatch.setattr(bulk, "BULK_BATCH_SIZE", 150)

    output = seed(leads=520)

    assert Lead.objects.count() == 520
    assert "20 through the services, 500 in bulk" in output
    assert Lead.objects.filter(external_id="demo-000520").exists()
    assert_histories_chain_up_to_the_state()
    bulk_states = set(Lead.objects.filter(external_id__gt="demo-000020").values_list("state", flat=True))
    assert {LeadState.INQUIRY, LeadState.SQL, LeadState.RETURNED} <= bulk_states

    seed(leads=520)
    assert Lead.objects.count() == 520


def test_the_demo_gives_the_judges_open_and_decided_cases_of_every_story():
    from adjudication.models import Case, CaseKind, CaseStatus

    seed(leads=FEW_LEADS)

    kinds_open = set(Case.objects.filter(status=CaseStatus.OPEN).values_list("kind", flat=True))
    assert {CaseKind.APPEAL, CaseKind.IGNORED, CaseKind.NOT_FOLLOWED_UP} <= kinds_open
    decisions = set(Case.objects.filter(status=CaseStatus.DECIDED).values_list("decision", flat=True))
    assert decisions == {"uphold", "overturn", "return", "follow_up"}
    assert (
        Lead.objects.filter(state=LeadState.IN_REVIEW).count()
        == Case.objects.filter(status=CaseStatus.OPEN).count()
    )
    assert_histories_chain_up_to_the_state()


@pytest.mark.postgres
def test_the_filled_tables_are_analyzed_before_the_metric_snapshots_are_computed(monkeypatch):
    """Build item 7: the snapshots aggregate over what the seed just wrote,
    so the planner must see those rows (not the empty tables it last saw)."""
    monkeypatch.setattr(seed_demo_command, "SERVICE_DRIVEN_MAX", 20)
    statements: list[tuple] = []

    def spy(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        output = seed(leads=60)

    # The app's role owns no table: the function the owner defined for it
    # runs the ANALYZE (leadcourt.planner_statistics).
    analyzes = [i for i, (sql, _) in enumerate(statements) if "analyze" in sql.lower()]
    first_snapshot = next(i for i, (sql, _) in enumerate(statements) if "metrics_" in sql)
    assert len(analyzes) == 1
    assert analyzes[0] < first_snapshot
    assert statements[analyzes[0]] == (
        "SELECT public.leadcourt_tables_analyze(%s::regclass[])",
        [["leads_lead", "leads_leadevent", "leads_touch", "adjudication_case", "adjudication_vote"]],
    )
    assert "Planner statistics refreshed: leads_lead, leads_leadevent" in output

    statements.clear()
    with connection.execute_wrapper(spy):
        seed(leads=60)  # nothing new: nothing to analyze

    assert not [sql for sql, _ in statements if "analyze" in sql.lower()]


def test_the_demo_logins_name_the_address_make_run_serves(monkeypatch):
    from demo.data import demo_url

    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert demo_url() == "http://127.0.0.1:8000/"
    monkeypatch.setenv("PORT", "8123")
    assert demo_url() == "http://127.0.0.1:8123/"

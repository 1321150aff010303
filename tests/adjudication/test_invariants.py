"""What holds even when the services are bypassed or fail half-way: the
database constraints on cases, and "a failure anywhere leaves neither"."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from adjudication import services as court
from adjudication.models import Case, CaseKind, CaseStatus, Vote
from leadcourt.errors import Conflict
from leads import services
from leads.models import Lead, LeadEvent, LeadState
from tests import factories
from tests.adjudication.builders import appeal_case, nothing_written, verdict
from tests.clock import london

pytestmark = pytest.mark.django_db


def _raw_case(lead, actor, **fields) -> Case:
    now = timezone.now()
    return Case.objects.create(
        kind=fields.pop("kind", CaseKind.AUDIT),
        lead=lead,
        opened_by=actor,
        opened_at=now,
        due_at=now,
        **fields,
    )


def _decided(**fields) -> dict:
    return {
        "status": CaseStatus.DECIDED,
        "decided_at": timezone.now(),
        "decision": "uphold",
        "finding": "none",
        "rationale": "Fine as it was.",
        **fields,
    }


# --- constraints ------------------------------------------------------------------


def test_the_database_refuses_a_second_open_case_for_a_lead_even_without_the_service_check(
    clock, marketer, rep, system
):
    case = appeal_case(marketer, rep)

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_case(case.lead, system)

    assert list(Case.objects.filter(lead=case.lead)) == [case]


def test_a_lead_whose_case_was_decided_can_go_before_the_judges_again(clock, marketer, rep, judge, system):
    first = appeal_case(marketer, rep)
    clock.set(london(2025, 1, 14, 9, 0))
    verdict(first, judge, "overturn")
    lead = Lead.objects.get(pk=first.lead_id)
    # Overturned, then not followed up either: a second case about the same lead.
    clock.set(lead.followup_due_at)
    clock.advance(minutes=1)

    second = court.case_open_not_followed_up(lead=lead, actor=system)

    assert list(Case.objects.filter(lead=lead).values_list("kind", "status")) == [
        (CaseKind.APPEAL, CaseStatus.DECIDED),
        (CaseKind.NOT_FOLLOWED_UP, CaseStatus.OPEN),
    ]
    assert second.status == CaseStatus.OPEN


def test_opening_a_case_for_a_lead_that_somehow_has_one_is_a_conflict_and_writes_nothing(
    clock, marketer, rep, system
):
    lead = factories.mql(marketer, rep)
    stray = _raw_case(lead, system)  # written below the services, e.g. by a bad data fix
    clock.set(london(2025, 1, 21, 9, 0))

    with nothing_written(lead=lead, case=stray), pytest.raises(Conflict) as refused:
        court.case_open_ignored(lead=lead, actor=system)

    assert refused.value.code == "case_already_open"


def test_the_database_keeps_one_sample_audit_per_lead_and_month(clock, marketer, rep, system):
    lead = factories.rejected(marketer, rep)
    _raw_case(lead, system, sample_month=date(2024, 12, 1), **_decided())
    _raw_case(lead, system, sample_month=date(2024, 11, 1), **_decided())  # another month is fine

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_case(lead, system, sample_month=date(2024, 12, 1), **_decided())

    assert Case.objects.filter(lead=lead).count() == 2


def test_the_database_refuses_a_decided_case_without_its_verdict(clock, marketer, rep, system):
    lead = factories.rejected(marketer, rep)

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_case(lead, system, **_decided(rationale=""))


# --- a failure half-way leaves neither -------------------------------------------


def test_a_failure_moving_the_lead_after_a_verdict_leaves_no_vote_and_the_case_open(
    clock, marketer, rep, judge
):
    case = appeal_case(marketer, rep)
    # A function that fails like the transition would, carrying the
    # transition's django-fsm metadata: the service asks django-fsm's public
    # API (``can_proceed``, on the bound method) whether it may run it.
    original = Lead.verdict_follow_up
    calls = []

    def disk_full(self, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("disk full")

    disk_full._django_fsm = original._django_fsm
    failing = mock.patch.object(Lead, "verdict_follow_up", disk_full)

    with (
        nothing_written(lead=case.lead, case=case),
        failing,
        pytest.raises(RuntimeError, match="disk full"),
    ):
        verdict(case, judge, "overturn")

    assert len(calls) == 1

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.lead.state == LeadState.IN_REVIEW
    assert not Vote.objects.filter(case=case).exists()
    assert not LeadEvent.objects.filter(lead=case.lead, transition__startswith="verdict_").exists()


def test_a_failure_writing_the_verdicts_history_row_undoes_the_lead_and_the_case(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)

    # By then the lead and the case rows have been saved in the transaction.
    with (
        nothing_written(lead=case.lead, case=case),
        mock.patch(
            "leads.services.transition_step.lead_event_record", side_effect=RuntimeError("history down")
        ),
        pytest.raises(RuntimeError, match="history down"),
    ):
        verdict(case, judge, "uphold")

    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by) == (CaseStatus.OPEN, "", None)


def test_a_failure_recording_the_argument_leaves_the_appeal_unfiled(clock, marketer, rep):
    lead = factories.rejected(marketer, rep)

    with (
        nothing_written(lead=lead),
        mock.patch(
            "adjudication.services.appeals.Statement.objects.create", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        court.case_open_appeal(lead=lead, actor=marketer, argument="They have budget.")

    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert not Case.objects.filter(lead=lead).exists()


def test_with_all_rejections_reviewed_a_failure_opening_the_audit_undoes_the_rejection(
    clock, rules, marketer, rep
):
    rules(review_mode="all_rejections")
    lead = factories.mql(marketer, rep)

    with (
        nothing_written(lead=lead),
        mock.patch("adjudication.services.opening.case_snapshot", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.lead_reject(lead=lead, actor=rep, reason="no_budget")

    lead.refresh_from_db()
    assert lead.state == LeadState.MQL

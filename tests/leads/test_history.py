"""The append-only lead history (SPEC §2): one row per transition with actor,
from/to state, reason and note, and the rulebook version in force."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction

from adjudication.services import lead_concede
from leadcourt.errors import ApplicationError
from leads import services
from leads.models import LeadEvent, RulebookVersion
from leads.selectors import lead_history
from tests.factories import inquiry, mql, rejected, sal, sql


def rows(lead) -> list[tuple]:
    return [
        (e.transition, e.from_state, e.to_state, e.actor.username, e.reason_id, e.note)
        for e in lead_history(lead=lead)
    ]


def test_the_path_to_a_win_is_recorded_step_by_step(clock, marketer, rep):
    lead = inquiry(marketer)
    clock.advance(hours=1)
    services.lead_qualify(lead=lead, actor=marketer)
    clock.advance(hours=1)
    services.lead_accept(lead=lead, actor=rep)
    clock.advance(hours=1)
    services.lead_qualify_opportunity(lead=lead, actor=rep)
    clock.advance(hours=1)
    services.lead_close_won(lead=lead, actor=rep, amount="5000")

    assert rows(lead) == [
        ("create", "inquiry", "inquiry", "marketer", None, ""),
        ("qualify", "inquiry", "mql", "marketer", None, ""),
        ("accept", "mql", "sal", "rep", None, ""),
        ("qualify_opportunity", "sal", "sql", "rep", None, ""),
        ("close_won", "sql", "won", "rep", None, ""),
    ]
    events = list(lead_history(lead=lead))
    # Each row carries the time it happened, one hour apart here.
    assert [e.occurred_at.hour for e in events] == [9, 10, 11, 12, 13]
    assert events[1].data == {"rep": rep.pk, "criteria_met": 4}
    assert events[-1].data == {"amount": str(Decimal("5000"))}


def test_a_rejection_conceded_and_recycled_is_recorded_with_reasons_and_notes(marketer, rep):
    lead = mql(marketer, rep)
    services.lead_reject(lead=lead, actor=rep, reason="other", note="Wrong country")
    lead_concede(lead=lead, actor=marketer, note="Agreed, data was wrong")
    services.lead_recycle(lead=lead, actor=marketer)

    assert rows(lead)[2:] == [
        ("reject", "mql", "rejected", "rep", "other", "Wrong country"),
        ("concede", "rejected", "returned", "marketer", None, "Agreed, data was wrong"),
        ("recycle", "returned", "mql", "marketer", None, ""),
    ]


def test_the_system_actor_is_recorded_for_an_expired_appeal(clock, marketer, rep, system):
    lead = rejected(marketer, rep)
    clock.set(lead.appeal_due_at)

    services.lead_expire_appeal(lead=lead, actor=system)

    assert rows(lead)[-1] == ("expire_appeal", "rejected", "returned", "system", None, "")


def test_disqualify_return_after_followup_and_close_lost_are_recorded(marketer, rep):
    dropped = inquiry(marketer, email="dropped@example.com")
    services.lead_disqualify(lead=dropped, actor=marketer, reason="Test sign-up")
    worked = sal(marketer, rep, email="worked@example.com")
    for _ in range(3):
        services.lead_touch_log(lead=worked, actor=rep, channel="call", outcome="no_answer")
    services.lead_return_after_followup(lead=worked, actor=rep, reason="unreachable", note="Three calls")
    lost = sql(marketer, rep, email="lost@example.com")
    services.lead_close_lost(lead=lost, actor=rep, reason="competitor_won", note="Went with Acme")

    assert rows(dropped)[-1] == ("disqualify", "inquiry", "disqualified", "marketer", None, "Test sign-up")
    assert rows(worked)[-1] == (
        "return_after_followup",
        "sal",
        "rejected",
        "rep",
        "unreachable",
        "Three calls",
    )
    assert rows(lost)[-1] == ("close_lost", "sql", "lost", "rep", "competitor_won", "Went with Acme")


def test_events_point_at_the_rulebook_version_in_force_when_they_happened(marketer, rep, admin_user):
    lead = mql(marketer, rep)
    v2 = services.rulebook_version_create(actor=admin_user, decision_hours=24)
    services.lead_accept(lead=lead, actor=rep)
    later = inquiry(marketer, email="later@example.com")

    versions = [e.rulebook_version.version for e in lead_history(lead=lead)]
    assert versions == [1, 1, 2]
    assert LeadEvent.objects.get(lead=later).rulebook_version == v2


def test_a_refused_transition_writes_no_history_row(marketer, rep, other_rep, rep_segment):
    lead = mql(marketer, rep, segment=rep_segment)
    before = LeadEvent.objects.count()

    for attempt in (
        lambda: services.lead_accept(lead=lead, actor=other_rep),
        lambda: services.lead_reject(lead=lead, actor=rep, reason="nope"),
        lambda: services.lead_close_won(lead=lead, actor=rep, amount="10"),
    ):
        with pytest.raises(ApplicationError):
            attempt()

    assert LeadEvent.objects.count() == before


# --- append-only ----------------------------------------------------------------------------

# Below the ORM: the app's role lacks UPDATE and DELETE on the history (leads/0010);
# with one role (no DATABASE_OWNER_URL) the append-only trigger (0003) refuses instead.
# tests/leads/test_history_privileges.py covers both for the owner's and the app's role.
REFUSED = "permission denied for table leads_leadevent" if settings.DATABASE_APP_ROLE else "append-only"


def test_a_history_row_cannot_be_changed_through_the_model(marketer):
    event = LeadEvent.objects.get(lead=inquiry(marketer))
    event.note = "rewritten"

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    assert LeadEvent.objects.get(pk=event.pk).note == ""


def test_a_history_row_cannot_be_deleted_through_the_model(marketer):
    event = LeadEvent.objects.get(lead=inquiry(marketer))

    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    assert LeadEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_a_bulk_update_of_history(marketer):
    event = LeadEvent.objects.get(lead=inquiry(marketer))

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        LeadEvent.objects.filter(pk=event.pk).update(note="rewritten")

    assert LeadEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.postgres
def test_the_database_refuses_a_bulk_delete_of_history(marketer):
    event = LeadEvent.objects.get(lead=inquiry(marketer))

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        LeadEvent.objects.filter(pk=event.pk).delete()

    assert LeadEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_rewriting_which_rulebook_was_in_force(marketer, admin_user):
    event = LeadEvent.objects.get(lead=inquiry(marketer))
    v2 = services.rulebook_version_create(actor=admin_user, decision_hours=24)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        LeadEvent.objects.filter(pk=event.pk).update(rulebook_version=v2)

    assert LeadEvent.objects.get(pk=event.pk).rulebook_version == RulebookVersion.objects.get(version=1)

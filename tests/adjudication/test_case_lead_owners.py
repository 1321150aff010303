"""A case knows its lead's owners now, whoever wrote it (the database keeps them).

"My cases" shows the cases a user is party to: the rep and marketer as at
opening and the lead's rep and marketer now (a reassigned lead brings its new
rep in). The lead's owners are copied onto the case by triggers, so the list
reads four indexed columns; these tests hold the triggers to that, on every
way a case or a lead is written.
"""

from __future__ import annotations

import pytest

from adjudication import selectors
from adjudication.models import Case
from leadcourt.accounts import roles
from leads import services
from leads.models import Lead
from tests import factories
from tests.adjudication.builders import appeal_case, verdict
from tests.clock import london
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def owners(case) -> tuple[int | None, int | None]:
    return Case.objects.filter(pk=case.pk).values_list("lead_rep_id", "lead_marketer_id").get()


def test_a_new_case_carries_its_leads_rep_and_marketer(clock, marketer, rep):
    case = appeal_case(marketer, rep)

    assert owners(case) == (rep.pk, marketer.pk)


def test_a_lead_reassigned_by_a_verdict_brings_its_new_rep_to_the_case(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)
    new_rep = make_user("new_rep", roles.SALES_REP)
    clock.set(london(2025, 1, 15, 10, 0))

    verdict(case, judge, "overturn", reassign_to=new_rep)

    assert owners(case) == (new_rep.pk, marketer.pk)
    # Both reps see it: the one whose decision was judged, and the lead's rep now.
    assert case.pk in set(selectors.cases_list(user=rep).values_list("pk", flat=True))
    assert case.pk in set(selectors.cases_list(user=new_rep).values_list("pk", flat=True))
    page = selectors.cases_list_page(user=new_rep, number=1, size=25)
    assert [row.pk for row in page.rows] == [case.pk]
    assert page.count == 1


def test_a_reassignment_by_the_lead_service_follows_the_lead_to_its_cases(
    clock, marketer, rep, judge, manager
):
    case = appeal_case(marketer, rep)
    verdict(case, judge, "overturn")  # the lead goes back to its rep, open again
    case.lead.refresh_from_db()
    new_rep = make_user("new_rep", roles.SALES_REP)

    services.lead_reassign(lead=case.lead, actor=manager, rep=new_rep, note="covering")

    assert owners(case) == (new_rep.pk, marketer.pk)


def test_saving_a_case_loaded_before_a_reassignment_keeps_the_leads_owners(clock, marketer, rep):
    case = appeal_case(marketer, rep)
    stale = Case.objects.get(pk=case.pk)
    new_rep = make_user("new_rep", roles.SALES_REP)
    # Any writer that changes the owner: the column follows it.
    Lead.objects.filter(pk=case.lead_id).update(assigned_rep=new_rep)

    stale.rationale = stale.rationale  # a save of every column, with the old value in memory
    stale.save()

    assert owners(case) == (new_rep.pk, marketer.pk)


def test_cases_written_in_bulk_get_their_leads_owners_too(clock, marketer, rep):
    case = appeal_case(marketer, rep)
    other_rep = make_user("other_rep", roles.SALES_REP)
    case.pk = None
    case.lead = factories.rejected(marketer, other_rep)
    case.lead_rep_id = case.lead_marketer_id = None

    (written,) = Case.objects.bulk_create([case])

    assert owners(written) == (other_rep.pk, marketer.pk)


def test_someone_who_is_no_party_sees_none_of_it(clock, marketer, rep, other_rep):
    appeal_case(marketer, rep)

    assert not selectors.cases_list(user=other_rep).exists()

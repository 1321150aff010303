"""A lead's state changes only with its history: a queryset ``update()`` (or
``bulk_update``) that sets ``state`` is refused; set-based services that write
the history rows themselves name ``bulk_transition_update`` and run it inside
their transaction (leads/models/lead_queryset.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from leads.models import Lead, LeadEvent, LeadState
from leads.models.lead_queryset import LeadStateUpdateRefused
from tests.factories import inquiry


def transitions(lead) -> list[str]:
    return list(LeadEvent.objects.filter(lead=lead).values_list("transition", flat=True))


def test_a_queryset_update_cannot_change_a_lead_state(marketer):
    lead = inquiry(marketer)

    with pytest.raises(LeadStateUpdateRefused, match="only through the lead services"):
        Lead.objects.filter(pk=lead.pk).update(state=LeadState.DISQUALIFIED)

    lead.refresh_from_db()
    assert lead.state == LeadState.INQUIRY
    assert transitions(lead) == ["create"]


def test_bulk_update_cannot_change_a_lead_state(marketer):
    lead = inquiry(marketer)

    # bulk_update's own transaction: a savepoint here keeps the test's usable.
    with pytest.raises(LeadStateUpdateRefused), transaction.atomic():
        Lead.objects.bulk_update([Lead(pk=lead.pk, state=LeadState.DISQUALIFIED)], ["state"])

    lead.refresh_from_db()
    assert lead.state == LeadState.INQUIRY


def test_a_queryset_update_of_other_fields_still_works(marketer):
    lead = inquiry(marketer)

    assert Lead.objects.filter(pk=lead.pk).update(source="Trade fair") == 1

    lead.refresh_from_db()
    assert (lead.source, lead.state) == ("Trade fair", LeadState.INQUIRY)


def test_a_set_based_service_names_the_escape_hatch_inside_its_transaction(marketer):
    lead = inquiry(marketer)

    with transaction.atomic():
        changed = Lead.objects.filter(pk=lead.pk).bulk_transition_update(state=LeadState.DISQUALIFIED)

    lead.refresh_from_db()
    assert (changed, lead.state) == (1, LeadState.DISQUALIFIED)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
def test_the_escape_hatch_refuses_to_run_outside_a_transaction(marketer):
    lead = inquiry(marketer)

    with pytest.raises(transaction.TransactionManagementError, match="inside the transaction"):
        Lead.objects.filter(pk=lead.pk).bulk_transition_update(state=LeadState.DISQUALIFIED)

    lead.refresh_from_db()
    assert lead.state == LeadState.INQUIRY

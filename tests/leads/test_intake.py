"""Creating leads (SPEC §2): idempotent on ``external_id``, probable duplicates
by email, input checked before anything is written."""

from __future__ import annotations

import pytest

from leadcourt.errors import ActionForbidden, InvalidInput
from leads import services
from leads.models import Lead, LeadEvent, LeadState, Segment
from tests.factories import FOUR_CRITERIA
from tests.leads.assertions import nothing_written


def create(actor, **kwargs):
    kwargs.setdefault("first_name", "Grace")
    kwargs.setdefault("last_name", "Hopper")
    return services.lead_create(actor=actor, **kwargs)


def test_marketer_creates_an_inquiry_they_own_with_its_criteria(clock, marketer):
    segment = Segment.objects.create(code="uk", name="UK")

    lead, created = create(
        marketer,
        external_id=" crm-1 ",
        email=" grace@navy.example ",
        company="US Navy",
        criteria=["vertical", "budget"],
        segment=segment,
    )

    assert created is True
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.state == LeadState.INQUIRY
    assert lead.marketer == marketer
    assert lead.external_id == "crm-1"
    assert lead.email == "grace@navy.example"
    assert lead.company == "US Navy"
    assert lead.segment == segment
    assert lead.criteria == ["vertical", "budget"]
    assert lead.criteria_count == 2
    assert lead.created_at == clock.now()
    assert lead.assigned_rep is None
    assert lead.duplicate_of is None
    event = LeadEvent.objects.get(lead=lead)
    assert (event.transition, event.from_state, event.to_state) == ("create", "inquiry", "inquiry")
    assert event.actor == marketer
    assert event.occurred_at == clock.now()


def test_a_second_intake_with_the_same_external_id_returns_the_first_lead(marketer):
    first, created_first = create(marketer, external_id="crm-42", email="a@example.com")

    with nothing_written(first):
        again, created_again = create(marketer, external_id="crm-42", email="other@example.com")

    assert created_first is True
    assert created_again is False
    assert again.pk == first.pk
    assert Lead.objects.filter(external_id="crm-42").count() == 1
    assert LeadEvent.objects.filter(lead=first).count() == 1
    again.refresh_from_db()
    assert again.email == "a@example.com"


def test_intakes_without_an_external_id_are_separate_leads(marketer):
    first, _ = create(marketer, external_id="", email="a@example.com")
    second, created = create(marketer, external_id="   ", email="b@example.com")

    assert created is True
    assert first.pk != second.pk
    assert first.external_id is None
    assert second.external_id is None


def test_a_lead_with_the_email_of_an_earlier_lead_is_marked_as_its_probable_duplicate(marketer):
    original, _ = create(marketer, email="Grace.Hopper@Navy.example")
    second, _ = create(marketer, email="grace.hopper@navy.EXAMPLE")
    third, _ = create(marketer, email="GRACE.HOPPER@NAVY.EXAMPLE")
    unrelated, _ = create(marketer, email="ada@example.com")

    second.refresh_from_db()
    third.refresh_from_db()
    unrelated.refresh_from_db()
    assert second.duplicate_of == original
    # Every later copy points at the first lead, not at the previous copy.
    assert third.duplicate_of == original
    assert unrelated.duplicate_of is None
    assert original.probable_duplicates.count() == 2
    event = LeadEvent.objects.get(lead=second)
    assert event.data == {"duplicate_of": str(original.public_id)}


def test_leads_without_an_email_are_not_duplicates_of_each_other(marketer):
    create(marketer, phone="+44 20 7946 0000")
    lead, _ = create(marketer, phone="+44 20 7946 0001")

    lead.refresh_from_db()
    assert lead.duplicate_of is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "grace@"}, "email"),
        ({"criteria": ["vertical", "telepathy"]}, "criteria"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"shoe_size": "44"}, "shoe_size"),
    ],
    ids=[
        "invalid-email",
        "email-without-domain",
        "unknown-criterion",
        "too-long-name",
        "too-long-id",
        "unknown-field",
    ],
)
def test_intake_refuses_bad_input_and_writes_nothing(marketer, kwargs, field):
    with nothing_written(), pytest.raises(InvalidInput) as exc:
        create(marketer, **kwargs)

    assert field in exc.value.errors
    assert exc.value.status == 400


def test_intake_reports_every_bad_field_at_once(marketer):
    with nothing_written(), pytest.raises(InvalidInput) as exc:
        create(marketer, email="nope", criteria=["telepathy"])

    assert set(exc.value.errors) == {"email", "criteria"}
    assert "Enter a valid email address." in exc.value.errors["email"]


@pytest.mark.parametrize("actor_name", ["rep", "judge", "manager", "outsider"])
def test_only_marketers_create_leads(request, actor_name):
    actor = request.getfixturevalue(actor_name)

    with nothing_written(), pytest.raises(ActionForbidden, match="Only marketers"):
        create(actor, email="x@example.com")


def test_the_system_creates_leads_for_imports_without_an_owner(system):
    lead, created = create(system, external_id="import-1", criteria=FOUR_CRITERIA)

    assert created is True
    assert lead.marketer is None
    assert LeadEvent.objects.get(lead=lead).actor == system


def test_a_marketer_may_create_a_lead_owned_by_a_colleague(marketer, other_marketer):
    lead, _ = create(marketer, marketer=other_marketer)

    assert lead.marketer == other_marketer


def test_the_named_owner_must_be_an_active_marketer(marketer, rep):
    with pytest.raises(InvalidInput) as refused:
        services.lead_create(actor=marketer, marketer=rep, email="x@example.com")

    assert "marketer" in refused.value.errors
    assert not Lead.objects.exists()

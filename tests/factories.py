"""factory_boy factories and small builders that put leads in a given state
through the real services (so every test lead has a consistent history)."""

from __future__ import annotations

import factory

from leads import services
from leads.models import Lead

FOUR_CRITERIA = ["vertical", "firmographics", "decision_makers", "pains"]
SEVEN_CRITERIA = [*FOUR_CRITERIA, "engagement", "budget", "urgency"]


class LeadFactory(factory.django.DjangoModelFactory):
    """A bare inquiry row. Prefer ``inquiry()`` and friends, which go through
    the services; use this only for bulk data where history does not matter."""

    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    company = factory.Faker("company")
    source = "Web"


def inquiry(marketer, *, criteria=FOUR_CRITERIA, **fields) -> Lead:
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    lead, _ = services.lead_create(actor=marketer, criteria=criteria, **fields)
    return lead


def mql(marketer, rep, **fields) -> Lead:
    """A lead delivered to ``rep`` (the only active rep, or the segment owner)."""
    lead = services.lead_qualify(lead=inquiry(marketer, **fields), actor=marketer)
    assert lead.assigned_rep_id == rep.pk, "routing chose another rep; make rep the only one"
    return lead


def sal(marketer, rep, **fields) -> Lead:
    return services.lead_accept(lead=mql(marketer, rep, **fields), actor=rep)


def rejected(marketer, rep, *, reason="no_budget", **fields) -> Lead:
    return services.lead_reject(lead=mql(marketer, rep, **fields), actor=rep, reason=reason)


def sql(marketer, rep, **fields) -> Lead:
    return services.lead_qualify_opportunity(lead=sal(marketer, rep, **fields), actor=rep)

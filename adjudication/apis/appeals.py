"""``POST /leads/{id}/appeal/`` and ``/concede/``: marketing's answer to a
rejection, owned by the court (they open a case, or close the appeal window)
on the lead's paths; and the cases the lead detail answer lists.

They share the leads API's transition shape (``LeadTransitionApi``): find the
lead (404), check the body (400), let the service decide (403, 409), answer
with the lead as it now is.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from adjudication.models import STATEMENT_MAX_LENGTH
from adjudication.selectors import cases_for_lead
from adjudication.services import case_open_appeal, lead_concede
from leadcourt.api.fields import TextField
from leads.apis.serializers import lead_detail_related_register
from leads.apis.transitions import LeadTransitionApi, transition_schema
from leads.services import NOTE_MAX_LENGTH


def lead_cases_register() -> None:
    """Every lead detail answer lists the cases about the lead the caller may
    see (called from ``AdjudicationConfig.ready``)."""
    lead_detail_related_register("cases", serializer=LeadCaseRefSerializer, load=cases_for_lead)


@extend_schema_serializer(component_name="LeadCaseRef")
class LeadCaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    decision = serializers.CharField()
    finding = serializers.CharField()


@transition_schema("appeal: rejected → in_review (owning marketer); opens an appeal case")
class LeadAppealApi(LeadTransitionApi):
    service = staticmethod(case_open_appeal)

    @extend_schema_serializer(component_name="LeadAppeal")
    class InputSerializer(serializers.Serializer):
        argument = TextField(
            max_length=STATEMENT_MAX_LENGTH,
            help_text="Why sales should not have rejected the lead; the case's first statement.",
        )


@transition_schema("concede: rejected → returned (owning marketer)")
class LeadConcedeApi(LeadTransitionApi):
    service = staticmethod(lead_concede)

    @extend_schema_serializer(component_name="LeadConcede")
    class InputSerializer(serializers.Serializer):
        note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)

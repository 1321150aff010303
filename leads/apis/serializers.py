"""The output shapes of leads in the API, and the one way a lead detail is answered."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drf_spectacular.utils import (
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from leads import selectors
from leads.criteria import Criterion
from leads.models import (
    Lead,
    LeadState,
    RulebookVersion,
    TouchChannel,
    TouchOutcome,
)

GRADES = ("A", "B")


@extend_schema_serializer(component_name="UserRef")
class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="__str__")


@extend_schema_serializer(component_name="LeadEvent")
class LeadEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    transition = serializers.CharField()
    from_state = serializers.ChoiceField(choices=LeadState.choices)
    to_state = serializers.ChoiceField(choices=LeadState.choices)
    actor = UserRefSerializer()
    occurred_at = serializers.DateTimeField()
    reason = serializers.CharField(source="reason_id", allow_null=True)
    note = serializers.CharField()
    rulebook_version = serializers.IntegerField(source="rulebook_version.version")
    data = serializers.DictField(child=serializers.JSONField())


@extend_schema_serializer(component_name="Touch")
class TouchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=TouchChannel.choices)
    outcome = serializers.ChoiceField(choices=TouchOutcome.choices)
    note = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    actor = UserRefSerializer()
    created_at = serializers.DateTimeField()


class _LeadSummaryFields(serializers.Serializer):
    # The fields every lead output has; the grade needs ``rulebook`` in the context.

    id = serializers.IntegerField()
    public_id = serializers.UUIDField()
    external_id = serializers.CharField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    company = serializers.CharField()
    source = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    segment = serializers.CharField(source="segment.code", allow_null=True, help_text="Segment code.")
    state = serializers.ChoiceField(choices=LeadState.choices)
    grade = serializers.SerializerMethodField()
    criteria_count = serializers.IntegerField()
    marketer = UserRefSerializer(allow_null=True)
    assigned_rep = UserRefSerializer(allow_null=True)
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id",
        allow_null=True,
        help_text="An earlier lead with the same email: this one is probably a duplicate.",
    )
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    decision_due_at = serializers.DateTimeField(allow_null=True)
    followup_due_at = serializers.DateTimeField(allow_null=True)
    appeal_due_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=GRADES))
    def get_grade(self, lead: Lead) -> str:
        rulebook: RulebookVersion = self.context["rulebook"]
        return rulebook.grade_for(lead.criteria_count)


@extend_schema_serializer(component_name="LeadListItem")
class LeadListItemOutputSerializer(_LeadSummaryFields):
    pass


@extend_schema_serializer(component_name="LeadDetail")
class LeadDetailOutputSerializer(_LeadSummaryFields):
    # Everything the lead page shows. ``lead_detail_response`` attaches
    # ``api_allowed``, ``api_history``, ``api_touches`` and what other apps add,
    # each read once through the selectors. (A comment, not a docstring: a
    # docstring would become the schema's description.)

    phone = serializers.CharField()
    title = serializers.CharField()
    country = serializers.CharField()
    criteria = serializers.ListField(child=serializers.ChoiceField(choices=Criterion.choices))
    delivery_count = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    followup_started_at = serializers.DateTimeField(allow_null=True)
    rejected_at = serializers.DateTimeField(allow_null=True)
    in_review_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    sql_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    disqualified_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField(source="rejection_reason_id", allow_null=True)
    rejection_note = serializers.CharField()
    disqualify_reason = serializers.CharField()
    return_cause = serializers.CharField()
    won_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    lost_reason = serializers.CharField(source="lost_reason_id", allow_null=True)
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(),
        source="api_allowed",
        help_text="Transitions the caller may run now (rulebook guards are checked when they run).",
    )
    history = LeadEventOutputSerializer(many=True, source="api_history")
    touches = TouchOutputSerializer(many=True, source="api_touches")

    def get_fields(self):
        fields = super().get_fields()
        for name, related in _detail_related.items():
            fields[name] = related.serializer(many=True, source=f"api_related_{name}")
        return fields


def lead_or_404(request, pk: int) -> Lead:
    """The lead if the caller may see it; 404 otherwise (as the browser does)."""
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise NotFound("No such lead.")
    return lead


def lead_detail_response(request, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The lead as it is now in the database (after the caller's write, if any)."""
    lead = lead_or_404(request, pk)
    lead.api_allowed = selectors.lead_allowed_transitions(lead=lead, user=request.user)
    lead.api_history = list(selectors.lead_history(lead=lead))
    lead.api_touches = list(selectors.lead_touches(lead=lead))
    # What other apps add (the court: the cases about the lead).
    for name, related in _detail_related.items():
        setattr(lead, f"api_related_{name}", list(related.load(lead=lead, user=request.user)))
    data = LeadDetailOutputSerializer(lead, context={"rulebook": selectors.rulebook_current()}).data
    return Response(data, status=status_code)


# --- what other apps add to the lead's detail -----------------------------------------------


@dataclass(frozen=True)
class LeadDetailRelated:
    """A list another app shows with the lead (the court: the cases about
    it): its serializer, and how to load the rows the caller may see."""

    serializer: type[serializers.Serializer]
    load: Callable[..., Iterable]  # load(lead=..., user=...)


_detail_related: dict[str, LeadDetailRelated] = {}


def lead_detail_related_register(name: str, *, serializer: type[serializers.Serializer], load) -> None:
    """Add ``name`` to every lead detail answer (and to its schema). Apps built
    on leads call this from their ``AppConfig.ready()``: leads imports none of
    them (see ``leads/hooks.py`` for why the arrows run one way)."""
    _detail_related[name] = LeadDetailRelated(serializer=serializer, load=load)

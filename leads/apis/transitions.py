"""``POST /leads/{id}/<transition>/``: one endpoint per lead transition, plus
reassignment and touches. Appeal and concede are the court's
(``adjudication.apis.appeals``), on the same paths."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from leadcourt.accounts.models import User
from leadcourt.api.fields import TextField
from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leads import services
from leads.apis.serializers import (
    LeadDetailOutputSerializer,
    TouchOutputSerializer,
    lead_detail_response,
    lead_or_404,
)
from leads.criteria import Criterion
from leads.models import (
    ReasonCode,
    TouchChannel,
    TouchOutcome,
)

TRANSITION_DESCRIPTION = (
    "Answers with the lead as it now is. 404 if the caller cannot see the lead; 400 for a body "
    "of the wrong shape; 403 if the caller may not do this to this lead; 409 if its state does "
    "not allow it (`invalid_transition`, with `state` and the caller's `allowed` transitions) or "
    "a rulebook guard is not met; 400 for values the rulebook refuses (e.g. an unknown reason code)."
)


def transition_schema(summary: str):
    """The OpenAPI operation of a ``LeadTransitionApi`` subclass (a class decorator)."""

    def decorate(view: type[LeadTransitionApi]) -> type[LeadTransitionApi]:
        return extend_schema(
            summary=summary,
            description=TRANSITION_DESCRIPTION,
            request=view.InputSerializer,
            responses={200: LeadDetailOutputSerializer, **errors(400, 403, 404, 409)},
        )(view)

    return decorate


class LeadTransitionApi(JsonApi):
    # The shape of every transition endpoint: find the lead (404), check the
    # body's shape (400), let the service decide (403, 409, 400), answer with
    # the lead as it now is. A subclass names its ``service`` and its
    # ``InputSerializer``, whose fields are that service's keyword arguments.

    service: Callable[..., object]
    InputSerializer: type[serializers.Serializer]

    def post(self, request, pk: int):
        lead = lead_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.service(lead=lead, actor=request.user, **serializer.validated_data)
        return lead_detail_response(request, pk)


class _CriteriaInput(serializers.Serializer):
    criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=Criterion.choices),
        required=False,
        max_length=len(Criterion.choices),
        help_text="If given, replaces the lead's criteria before the rulebook's threshold is checked.",
    )


class _ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=ReasonCode._meta.get_field("code").max_length, help_text="A reason code (see /rulebook/)."
    )
    note = TextField(
        required=False,
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        help_text="Required with the reason code `other`.",
    )


@transition_schema("qualify: inquiry → mql (marketer); routed to a rep")
class LeadQualifyApi(LeadTransitionApi):
    service = staticmethod(services.lead_qualify)

    @extend_schema_serializer(component_name="LeadQualify")
    class InputSerializer(_CriteriaInput):
        pass


@transition_schema("disqualify: inquiry → disqualified (marketer)")
class LeadDisqualifyApi(LeadTransitionApi):
    service = staticmethod(services.lead_disqualify)

    @extend_schema_serializer(component_name="LeadDisqualify")
    class InputSerializer(serializers.Serializer):
        reason = TextField(max_length=services.NOTE_MAX_LENGTH, help_text="Why (free text).")


@transition_schema("accept: mql → sal (assigned rep); follow-up deadline starts")
class LeadAcceptApi(LeadTransitionApi):
    service = staticmethod(services.lead_accept)

    @extend_schema_serializer(component_name="LeadAccept")
    class InputSerializer(serializers.Serializer):
        pass


@transition_schema("reject: mql → rejected (assigned rep), for a reason code")
class LeadRejectApi(LeadTransitionApi):
    service = staticmethod(services.lead_reject)

    @extend_schema_serializer(component_name="LeadReject")
    class InputSerializer(_ReasonInput):
        pass


@transition_schema(
    "return-after-followup: sal → rejected (assigned rep), once the required touches are logged"
)
class LeadReturnAfterFollowupApi(LeadTransitionApi):
    service = staticmethod(services.lead_return_after_followup)

    @extend_schema_serializer(component_name="LeadReturnAfterFollowup")
    class InputSerializer(_ReasonInput):
        pass


@transition_schema("qualify-opportunity: sal → sql (assigned rep)")
class LeadQualifyOpportunityApi(LeadTransitionApi):
    service = staticmethod(services.lead_qualify_opportunity)

    @extend_schema_serializer(component_name="LeadQualifyOpportunity")
    class InputSerializer(serializers.Serializer):
        pass


@transition_schema("close-won: sql → won (assigned rep), with the amount")
class LeadCloseWonApi(LeadTransitionApi):
    service = staticmethod(services.lead_close_won)

    @extend_schema_serializer(component_name="LeadCloseWon")
    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(
            max_digits=14, decimal_places=2, help_text="The amount won (greater than zero)."
        )


@transition_schema("close-lost: sql → lost (assigned rep), for a reason code")
class LeadCloseLostApi(LeadTransitionApi):
    service = staticmethod(services.lead_close_lost)

    @extend_schema_serializer(component_name="LeadCloseLost")
    class InputSerializer(_ReasonInput):
        pass


@transition_schema("recycle: returned → mql (marketer); a new delivery to sales")
class LeadRecycleApi(LeadTransitionApi):
    service = staticmethod(services.lead_recycle)

    @extend_schema_serializer(component_name="LeadRecycle")
    class InputSerializer(_CriteriaInput):
        pass


# --- POST /leads/{id}/assign/ and /touches/ -------------------------------------------------


@transition_schema("Reassign an open lead to another rep (managers); the decision deadline restarts")
class LeadAssignApi(LeadTransitionApi):
    service = staticmethod(services.lead_reassign)

    @extend_schema_serializer(component_name="LeadAssign")
    class InputSerializer(serializers.Serializer):
        rep = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), help_text="User id of an active sales rep."
        )
        note = TextField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)


class LeadTouchCreateApi(JsonApi):
    @extend_schema_serializer(component_name="TouchCreate")
    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=TouchChannel.choices)
        outcome = serializers.ChoiceField(choices=TouchOutcome.choices)
        note = TextField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)
        occurred_at = serializers.DateTimeField(
            required=False, allow_null=True, help_text="When it happened (default: now); not in the future."
        )

    @extend_schema(
        summary="Log a follow-up touch on an open lead (assigned rep)",
        description="Answers 201 with the touch. 409 if the lead is not open (MQL, SAL, SQL).",
        request=InputSerializer,
        responses={201: TouchOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        lead = lead_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        touch = services.lead_touch_log(lead=lead, actor=request.user, **serializer.validated_data)
        return Response(TouchOutputSerializer(touch).data, status=status.HTTP_201_CREATED)

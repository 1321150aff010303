"""REST API of the leads app (SPEC §9): one view per operation, each with its
own input and output serializers; every write is a call to ``services``,
every read goes through ``selectors``.

How a request is answered, in this order:

1. no or bad credentials: 401;
2. a lead the caller may not see (``leads_visible_to``): 404, exactly as the
   browser's lead page, so that ids do not reveal which leads exist;
3. a body or query of the wrong shape (missing field, wrong type, unknown
   choice, too long): 400 with a message per field;
4. then the service decides: 403 when the caller may not do this to this
   lead, 409 when the state does not allow it (``invalid_transition`` with
   the state and the caller's allowed transitions) or a rulebook guard is
   not met, 400 for values it refuses (unknown reason code, note missing).

Transition names in ``allowed_transitions`` and in 409 bodies are the
model's (``return_after_followup``); the URL uses dashes
(``/return-after-followup/``). ``verdict_*`` transitions are made through
``/cases/{id}/verdict/``, the system's (``flag_ignored``, ...) by the jobs.
"""

from __future__ import annotations

from collections.abc import Callable

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from adjudication.selectors import cases_for_lead
from adjudication.services import STATEMENT_MAX_LENGTH, case_open_appeal
from leadcourt.accounts.models import User
from leadcourt.api.pagination import PageNumberPagination, paginated_response
from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leads import selectors, services
from leads.criteria import Criterion
from leads.filters import LeadFilter
from leads.models import (
    Campaign,
    Lead,
    LeadState,
    ReasonBlame,
    ReasonCode,
    RulebookVersion,
    Segment,
    TouchChannel,
    TouchOutcome,
)
from leads.rulebook_display import rulebook_rules

GRADES = ("A", "B")


# --- shared output shapes -------------------------------------------------------------


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


@extend_schema_serializer(component_name="LeadCaseRef")
class LeadCaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    decision = serializers.CharField()
    finding = serializers.CharField()


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
    # ``api_allowed``, ``api_history``, ``api_touches`` and ``api_cases``,
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
    cases = LeadCaseRefSerializer(many=True, source="api_cases")


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
    # Apps may join at the interface: the lead shows the cases about it.
    lead.api_cases = list(cases_for_lead(lead=lead, user=request.user))
    data = LeadDetailOutputSerializer(lead, context={"rulebook": selectors.rulebook_current()}).data
    return Response(data, status=status_code)


# --- GET /leads/ and POST /leads/ -------------------------------------------------------


def _intake_text_field(name: str, **kwargs) -> serializers.CharField:
    # The model's length, which ``services.lead_intake_clean`` also enforces:
    # declared here too only so that the schema shows it.
    limit = Lead._meta.get_field(name).max_length
    return serializers.CharField(required=False, allow_blank=True, max_length=limit, **kwargs)


class LeadListCreateApi(JsonApi):
    # Two operations on one path (SPEC §9 fixes the path): each method has
    # its own serializers, as if it were its own view.

    pagination_class = PageNumberPagination
    # GET's query string: validated and documented by django-filter.
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.leads_visible_to(self.request.user)

    @extend_schema_serializer(component_name="LeadCreate")
    class CreateInputSerializer(serializers.Serializer):
        external_id = _intake_text_field(
            "external_id",
            allow_null=True,
            help_text="Your system's id for the lead: posting it again returns the same lead (200).",
        )
        first_name = _intake_text_field("first_name")
        last_name = _intake_text_field("last_name")
        email = _intake_text_field("email")
        phone = _intake_text_field("phone")
        company = _intake_text_field("company")
        title = _intake_text_field("title")
        country = _intake_text_field("country")
        source = _intake_text_field("source")
        criteria = serializers.ListField(
            child=serializers.ChoiceField(choices=Criterion.choices),
            required=False,
            max_length=len(Criterion.choices),
            help_text="Qualification criteria the lead meets.",
        )
        campaign = serializers.PrimaryKeyRelatedField(
            queryset=Campaign.objects.all(), required=False, allow_null=True
        )
        segment = serializers.SlugRelatedField(
            slug_field="code", queryset=Segment.objects.all(), required=False, allow_null=True
        )
        # Any user id resolves here; lead_create decides whether it may own leads.
        marketer = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(),
            required=False,
            allow_null=True,
            help_text="The owning marketer (default: the caller, if a marketer).",
        )

    @extend_schema(
        operation_id="leads_list",
        summary="Leads the caller may see, newest first",
        description=(
            "Reps see the leads assigned to them; marketers, managers and administrators all leads; "
            "judges the leads that came before them in a case. Paginated."
        ),
        responses={200: LeadListItemOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request):
        leads = DjangoFilterBackend().filter_queryset(request, self.get_queryset(), self)
        return paginated_response(
            queryset=leads,
            serializer_class=LeadListItemOutputSerializer,
            request=request,
            view=self,
            context={"rulebook": selectors.rulebook_current()},
        )

    @extend_schema(
        operation_id="leads_create",
        summary="Intake: create an inquiry (marketers and administrators)",
        description=(
            "Idempotent on `external_id`: a new lead answers 201; posting an `external_id` that "
            "exists answers 200 with the existing lead, unchanged. A lead whose email matches an "
            "earlier lead's (case-insensitive) is created with `duplicate_of` set.\n\n"
            "Who may call it: marketers and administrators (403 for everyone else). An "
            "integration (web form, CRM sync) signs in as its own user in the `marketer` group "
            "and names the owning `marketer`; the system actor that jobs use cannot sign in."
        ),
        request=CreateInputSerializer,
        responses={
            201: OpenApiResponse(LeadDetailOutputSerializer, description="Created."),
            200: OpenApiResponse(LeadDetailOutputSerializer, description="Already there (same external_id)."),
            **errors(400, 403),
        },
    )
    def post(self, request):
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lead, created = services.lead_create(
            actor=request.user,
            external_id=data.pop("external_id", None),
            criteria=data.pop("criteria", ()),
            campaign=data.pop("campaign", None),
            segment=data.pop("segment", None),
            marketer=data.pop("marketer", None),
            **data,
        )
        return lead_detail_response(
            request, lead.pk, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


# --- GET /leads/{id}/ -----------------------------------------------------------------


class LeadDetailApi(JsonApi):
    @extend_schema(
        operation_id="leads_retrieve",
        summary="One lead: state, grade, criteria, allowed transitions, history, touches",
        description="404 for a lead the caller may not see (as the browser's lead page).",
        responses={200: LeadDetailOutputSerializer, **errors(404)},
    )
    def get(self, request, pk: int):
        return lead_detail_response(request, pk)


# --- POST /leads/{id}/{transition}/ -----------------------------------------------------


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
    note = serializers.CharField(
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
        reason = serializers.CharField(max_length=services.NOTE_MAX_LENGTH, help_text="Why (free text).")


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


@transition_schema("appeal: rejected → in_review (owning marketer); opens an appeal case")
class LeadAppealApi(LeadTransitionApi):
    service = staticmethod(case_open_appeal)

    @extend_schema_serializer(component_name="LeadAppeal")
    class InputSerializer(serializers.Serializer):
        argument = serializers.CharField(
            max_length=STATEMENT_MAX_LENGTH,
            help_text="Why sales should not have rejected the lead; the case's first statement.",
        )


@transition_schema("concede: rejected → returned (owning marketer)")
class LeadConcedeApi(LeadTransitionApi):
    service = staticmethod(services.lead_concede)

    @extend_schema_serializer(component_name="LeadConcede")
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)


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
        note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)


class LeadTouchCreateApi(JsonApi):
    @extend_schema_serializer(component_name="TouchCreate")
    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=TouchChannel.choices)
        outcome = serializers.ChoiceField(choices=TouchOutcome.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)
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


# --- GET /rulebook/ ----------------------------------------------------------------------


@extend_schema_serializer(component_name="Rules")
class RulesOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RulebookVersion
        fields = services.RULE_FIELDS
        read_only_fields = services.RULE_FIELDS


@extend_schema_serializer(component_name="RuleExplained")
class RuleExplainedOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text="As the rulebook page shows it, with its unit.")
    meaning = serializers.CharField()


@extend_schema_serializer(component_name="ReasonCode")
class ReasonCodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    blames = serializers.ChoiceField(choices=ReasonBlame.choices)
    requires_note = serializers.BooleanField()


@extend_schema_serializer(component_name="Criterion")
class CriterionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class RulebookApi(JsonApi):
    # The one-page rulebook (SPEC §5), for every signed-in user.

    @extend_schema_serializer(component_name="Rulebook")
    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        created_at = serializers.DateTimeField()
        author = serializers.CharField(
            source="author.username", allow_null=True, help_text="Username of the administrator."
        )
        change_note = serializers.CharField()
        rules = RulesOutputSerializer(source="*")
        rules_explained = RuleExplainedOutputSerializer(many=True, source="api_rules_explained")
        reason_codes = ReasonCodeOutputSerializer(many=True, source="api_reason_codes")
        criteria = CriterionOutputSerializer(many=True, source="api_criteria")

    @extend_schema(
        summary="The rulebook in force: its rules, reason codes and criteria",
        description="Every signed-in user may read it; administrators change it in the admin.",
        responses={200: OutputSerializer, **errors()},
    )
    def get(self, request):
        rulebook = selectors.rulebook_current()
        rulebook.api_rules_explained = rulebook_rules(rulebook)
        rulebook.api_reason_codes = list(selectors.reason_codes_active())
        rulebook.api_criteria = [{"code": code, "label": label} for code, label in Criterion.choices]
        return Response(self.OutputSerializer(rulebook).data)

"""REST API of the judicial branch (SPEC §9): cases, statements, verdicts.

Same order of answers as the leads API (see ``leads/apis.py``): 401, then
404 for a case the caller may not see (``cases_visible_to``, as the browser's
case page), 400 for a body of the wrong shape, then the service: 403 (not a
party, not a judge, recused), 409 (case decided, already voted), 400.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from adjudication import selectors, services
from adjudication.models import Case, CaseKind, CaseStatus, Decision, Finding
from leadcourt.accounts.models import User
from leadcourt.api.fields import TextField
from leadcourt.api.pagination import PageNumberPagination, paginated_response
from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leads.apis.serializers import UserRefSerializer
from leads.models import LeadState

# --- output shapes ------------------------------------------------------------------------


@extend_schema_serializer(component_name="CaseLeadRef")
class CaseLeadRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    company = serializers.CharField()
    source = serializers.CharField()
    state = serializers.ChoiceField(choices=LeadState.choices)
    criteria = serializers.ListField(child=serializers.CharField())


class _CaseSummaryFields(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    lead = CaseLeadRefSerializer()
    rep = UserRefSerializer(allow_null=True)
    marketer = UserRefSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    is_overdue = serializers.BooleanField()
    reason_code = serializers.CharField()
    touch_count = serializers.IntegerField()
    channel_count = serializers.IntegerField()
    votes_cast = serializers.IntegerField()
    decision = serializers.CharField(help_text="Empty until decided.")
    finding = serializers.CharField(help_text="Empty until decided.")
    decided_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="CaseListItem")
class CaseListItemOutputSerializer(_CaseSummaryFields):
    pass


@extend_schema_serializer(component_name="Statement")
class StatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRefSerializer()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Vote")
class VoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    judge = UserRefSerializer()
    decision = serializers.ChoiceField(choices=Decision.choices)
    finding = serializers.ChoiceField(choices=Finding.choices)
    rationale = serializers.CharField()
    cause = serializers.CharField()
    reassign_to = UserRefSerializer(allow_null=True)
    cast_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Precedent")
class PrecedentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    lead = serializers.IntegerField(source="lead_id")
    reason_code = serializers.CharField()
    decision = serializers.CharField()
    finding = serializers.CharField()
    rationale = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="CaseDetail")
class CaseDetailOutputSerializer(_CaseSummaryFields):
    # The case page's content. ``case_detail_response`` attaches
    # ``api_statements``, ``api_votes`` and ``api_precedents`` (each read
    # once, by selectors).

    snapshot = serializers.SerializerMethodField(
        help_text="The rejection, criteria and touches as they stood when the case opened."
    )
    rationale = serializers.CharField()
    cause = serializers.CharField()
    decided_by = UserRefSerializer(allow_null=True)
    statements = StatementOutputSerializer(many=True, source="api_statements")
    votes = VoteOutputSerializer(many=True, source="api_votes")
    precedents = PrecedentOutputSerializer(many=True, source="api_precedents")

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_snapshot(self, case: Case) -> dict:
        return case.snapshot


def case_or_404(request, pk: int) -> Case:
    case = selectors.case_get_visible(user=request.user, case_id=pk)
    if case is None:
        raise NotFound("No such case.")
    return case


def case_detail_response(request, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    case = case_or_404(request, pk)
    case.api_statements = list(selectors.case_statements(case=case))
    case.api_votes = list(selectors.case_votes(case=case))
    case.api_precedents = list(selectors.case_precedents(case=case))
    return Response(CaseDetailOutputSerializer(case).data, status=status_code)


# --- GET /cases/ ------------------------------------------------------------------------------


class CaseListApi(JsonApi):
    # Visibility is ``cases_visible_to``: judges, managers and administrators
    # every case; reps and marketers the cases they are parties to.

    pagination_class = PageNumberPagination

    @extend_schema_serializer(component_name="CaseListFilter")
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, allow_blank=True)
        kind = serializers.ChoiceField(choices=CaseKind.choices, required=False, allow_blank=True)

    @extend_schema(
        operation_id="cases_list",
        summary="Cases the caller may see, newest first",
        description=(
            "Judges, managers and administrators see every case; reps and marketers the cases "
            "they are parties to. Paginated."
        ),
        parameters=[FilterSerializer],
        responses={200: CaseListItemOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.cases_list(
            user=request.user,
            status=filters.validated_data.get("status") or None,
            kind=filters.validated_data.get("kind") or None,
        )
        return paginated_response(
            queryset=cases, serializer_class=CaseListItemOutputSerializer, request=request, view=self
        )


# --- GET /cases/{id}/ ---------------------------------------------------------------------------


class CaseDetailApi(JsonApi):
    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case: lead, parties, snapshot, statements, votes, verdict, precedents",
        description="404 for a case the caller may not see (as the browser's case page).",
        responses={200: CaseDetailOutputSerializer, **errors(404)},
    )
    def get(self, request, pk: int):
        return case_detail_response(request, pk)


# --- POST /cases/{id}/statements/ ------------------------------------------------------------


class CaseStatementCreateApi(JsonApi):
    @extend_schema_serializer(component_name="StatementCreate")
    class InputSerializer(serializers.Serializer):
        text = TextField(max_length=services.STATEMENT_MAX_LENGTH)

    @extend_schema(
        summary="A party (the case's rep or marketer) adds a statement to an open case",
        description="Answers 201 with the statement; 403 for non-parties, 409 once the case is decided.",
        request=InputSerializer,
        responses={201: StatementOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = case_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        statement = services.case_statement_add(case=case, actor=request.user, **serializer.validated_data)
        return Response(StatementOutputSerializer(statement).data, status=status.HTTP_201_CREATED)


# --- POST /cases/{id}/verdict/ -----------------------------------------------------------------


class CaseVerdictApi(JsonApi):
    @extend_schema_serializer(component_name="VerdictCreate")
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(
            choices=Decision.choices,
            help_text="appeal and audit cases: uphold or overturn; ignored and not_followed_up: "
            "return or follow_up.",
        )
        rationale = TextField(max_length=services.STATEMENT_MAX_LENGTH)
        finding = serializers.ChoiceField(choices=Finding.choices, help_text="Where the problem lies.")
        cause = TextField(
            required=False,
            allow_blank=True,
            max_length=services.STATEMENT_MAX_LENGTH,
            help_text="Required with `return`: why the lead goes back to marketing.",
        )
        reassign_to = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(),
            required=False,
            allow_null=True,
            help_text="With overturn or follow_up: the rep who must follow up (default: the same rep).",
        )

    @extend_schema(
        summary="A judge votes; with a panel of one (or once a majority agrees) that is the verdict",
        description=(
            "Answers 201 with the case as it now is: `status` is `decided` once the vote made a "
            "majority of the rulebook's panel, else still `open` with `votes_cast` counted."
        ),
        request=InputSerializer,
        responses={201: CaseDetailOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = case_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_verdict_render(case=case, actor=request.user, **serializer.validated_data)
        return case_detail_response(request, pk, status_code=status.HTTP_201_CREATED)

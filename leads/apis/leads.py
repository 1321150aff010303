"""``GET /leads/``, ``POST /leads/`` and ``GET /leads/{id}/``."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status

from leadcourt.accounts.models import User
from leadcourt.api.pagination import paginated_response
from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leads import selectors, services
from leads.apis.pagination import CappedCountPagination
from leads.apis.serializers import (
    LeadDetailOutputSerializer,
    LeadListItemOutputSerializer,
    lead_detail_response,
)
from leads.criteria import Criterion
from leads.filters import LeadFilter
from leads.models import (
    Campaign,
    Lead,
    Segment,
)

# --- GET /leads/ and POST /leads/ -------------------------------------------------------


def _intake_text_field(name: str, **kwargs) -> serializers.CharField:
    # The model's length, which ``services.lead_intake_clean`` also enforces:
    # declared here too only so that the schema shows it.
    limit = Lead._meta.get_field(name).max_length
    return serializers.CharField(required=False, allow_blank=True, max_length=limit, **kwargs)


class LeadListCreateApi(JsonApi):
    # Two operations on one path (SPEC §9 fixes the path): each method has
    # its own serializers, as if it were its own view.

    # Counts stop at leads.pagination.COUNT_CAP: a page costs the same at any table size.
    pagination_class = CappedCountPagination
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
            "judges the leads that came before them in a case. Paginated: `count` stops at a cap "
            "(then `count_is_capped` is true); follow `next` to read further. "
            "`search` is a case-insensitive substring of the first or last name, company, email "
            "or external id."
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

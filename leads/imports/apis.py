"""REST API of the CSV import (SPEC §9).

``POST /api/v1/imports/leads/`` takes a multipart upload, checks the file
and answers 202 with the queued run; a Celery worker imports it. Poll
``GET /api/v1/imports/leads/{id}/`` for progress and the first row errors;
``/errors/`` lists them all, paginated.

When the job queue cannot be reached the answer is still 202, with
``waiting_for_queue: true``: the file and the run are stored and the run is
sent by a job once the queue is back. Not 503: that tells a client to send
the request again, which would only upload the file a second time. A body
over the size cap is 413 before it is read (``upload_limits``).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from leadcourt.api.pagination import PageNumberPagination, paginated_response
from leadcourt.api.schema import ErrorSerializer, ValidationErrorSerializer, errors
from leads.apis.serializers import UserRefSerializer
from leads.imports import selectors
from leads.imports.mapping import DEFAULT_PRESET, IMPORT_FIELDS, PRESET_CHOICES
from leads.imports.services import lead_import_start
from leads.imports.upload_limits import upload_limits_install
from leads.models import LeadImport, LeadImportStatus

ROW_ERRORS_SHOWN = 100


@extend_schema_serializer(component_name="LeadImportRowError")
class RowErrorOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        source="row_number", help_text="As a spreadsheet shows it: the header is 1."
    )
    field = serializers.CharField(help_text="The lead field, or `row` for the row as a whole.")
    message = serializers.CharField()
    value = serializers.CharField(help_text="The refused value, shortened to 200 characters.")


@extend_schema_serializer(component_name="LeadImport")
class LeadImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LeadImportStatus.choices)
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    file_size = serializers.IntegerField()
    preset = serializers.CharField()
    mapping = serializers.DictField(child=serializers.CharField(), help_text="Lead field -> CSV header.")
    total_rows = serializers.IntegerField(
        allow_null=True,
        help_text="Null until counted: a file over 1 MB is counted by the worker before it imports a row.",
    )
    rows_done = serializers.IntegerField()
    percent_done = serializers.IntegerField()
    created = serializers.IntegerField(source="created_count")
    existing = serializers.IntegerField(
        source="existing_count", help_text="Rows whose external id was already known: nothing created."
    )
    refused = serializers.IntegerField(source="refused_count")
    failure = serializers.CharField(help_text="Why the run stopped, when `status` is `failed`.")
    waiting_for_queue = serializers.BooleanField(
        source="is_waiting_for_queue",
        help_text=(
            "The job queue could not be reached yet: the file is stored and the import is sent to it "
            "automatically (retried every minute)."
        ),
    )
    actor = UserRefSerializer()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    progress_url = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    def get_progress_url(self, lead_import) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:lead-import-detail", args=[lead_import.pk])
        )

    def get_errors_url(self, lead_import) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:lead-import-errors", args=[lead_import.pk])
        )


@extend_schema_serializer(component_name="LeadImportDetail")
class LeadImportDetailOutputSerializer(LeadImportOutputSerializer):
    row_errors = serializers.SerializerMethodField(
        help_text=f"The first {ROW_ERRORS_SHOWN} row errors in file order; all of them at `errors_url`."
    )
    row_errors_total = serializers.SerializerMethodField()

    @extend_schema_field(RowErrorOutputSerializer(many=True))
    def get_row_errors(self, lead_import) -> list[dict]:
        rows = selectors.lead_import_row_errors(lead_import=lead_import)[:ROW_ERRORS_SHOWN]
        return RowErrorOutputSerializer(rows, many=True).data

    def get_row_errors_total(self, lead_import) -> int:
        return selectors.lead_import_row_errors(lead_import=lead_import).count()


def _import_or_404(request, pk: int) -> LeadImport:
    lead_import = selectors.lead_import_get_visible(user=request.user, import_id=pk)
    if lead_import is None:
        raise NotFound("No such import.")
    return lead_import


class LeadImportCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication, whose CSRF check reads the body.
        upload_limits_install(request)
        super().initial(request, *args, **kwargs)

    @extend_schema_serializer(component_name="LeadImportCreate")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="A UTF-8 CSV file with a header row.")
        preset = serializers.ChoiceField(
            choices=PRESET_CHOICES,
            default=DEFAULT_PRESET,
            help_text="Which export the headers come from; `auto` recognises the usual CRM headers.",
        )
        mapping = serializers.JSONField(
            required=False,
            help_text=(
                'Optional JSON object overriding the preset: {"lead field": "CSV header"}; an empty '
                f"header leaves the field out. Fields: {', '.join(IMPORT_FIELDS)}."
            ),
        )

    @extend_schema(
        operation_id="lead_imports_create",
        summary="Upload a CSV of leads to import (marketers and administrators)",
        description=(
            "The file is checked at once (UTF-8 throughout, a header that maps to lead fields, valid "
            "CSV with at least one row in its first megabyte): a bad file is 400 and nothing is "
            "stored; a file over 200 MB is 413, refused from its Content-Length before it is read "
            "(a chunked body without one is 411). Otherwise the import is stored and queued and the "
            "answer is 202 with its id and progress URL (also in `Location`); if the job queue "
            "cannot be reached it is still 202, with `waiting_for_queue` true, and the import is "
            "sent automatically once the queue is back (do not upload it again). A file over 1 MB "
            "is read whole by the worker before any row is imported: a bad line there fails the "
            "import with nothing imported. Each row is imported whole or refused with its row "
            "number, field and message; rows whose external id is known create nothing, so "
            "re-importing a file creates no duplicates."
        ),
        request={"multipart/form-data": InputSerializer},
        responses={
            202: OpenApiResponse(LeadImportOutputSerializer, description="Stored and queued."),
            **errors(400, 403, 415),
            411: OpenApiResponse(ErrorSerializer, description="A chunked body: send a Content-Length."),
            413: OpenApiResponse(
                ValidationErrorSerializer,
                description="The file is over 200 MB (`too_large`); refused before the body is read.",
            ),
        },
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lead_import = lead_import_start(
            actor=request.user, file=data["file"], preset=data["preset"], mapping=data.get("mapping")
        )
        output = LeadImportOutputSerializer(lead_import, context={"request": request}).data
        return Response(output, status=status.HTTP_202_ACCEPTED, headers={"Location": output["progress_url"]})


class LeadImportDetailApi(APIView):
    @extend_schema(
        operation_id="lead_imports_retrieve",
        summary="Progress of an import and its first row errors",
        description="Marketers, managers and administrators see every import.",
        responses={200: LeadImportDetailOutputSerializer, **errors(403, 404)},
    )
    def get(self, request, pk: int):
        lead_import = _import_or_404(request, pk)
        return Response(LeadImportDetailOutputSerializer(lead_import, context={"request": request}).data)


class LeadImportErrorsApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="lead_imports_errors_list",
        summary="Every row error of an import, in file order (paginated)",
        responses={200: RowErrorOutputSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request, pk: int):
        lead_import = _import_or_404(request, pk)
        return paginated_response(
            queryset=selectors.lead_import_row_errors(lead_import=lead_import),
            serializer_class=RowErrorOutputSerializer,
            request=request,
            view=self,
        )

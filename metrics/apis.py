"""REST API of the metrics app (SPEC §9): acceptance series from the snapshots.

``GET /api/v1/metrics/acceptance/?period=week|month&group_by=rep|campaign|source|segment&start=&end=``

Managers and administrators only (403 otherwise, after authentication);
bad parameters answer 400 with a message per field. Rates are shares in
0..1, ``null`` when no delivery of the row has a decision yet.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leadcourt.errors import ActionForbidden
from metrics import selectors
from metrics.filters import metric_filters_build
from metrics.models import PeriodKind
from metrics.periods import local_today
from metrics.permissions import REFUSAL, may_view_metrics

GROUP_BY_CHOICES = [str(d) for d in selectors.GROUP_DIMENSIONS]


@extend_schema_serializer(component_name="AcceptanceRow")
class AcceptanceRowSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text="First day of the week (Monday) or month.")
    key = serializers.CharField(
        help_text="Rep/campaign/segment id or source text; `all` overall; empty for leads without one."
    )
    label = serializers.CharField()
    delivered = serializers.IntegerField(help_text="Leads delivered to sales (qualify or recycle).")
    accepted = serializers.IntegerField(help_text="First decision: accepted.")
    rejected = serializers.IntegerField(help_text="First decision: rejected.")
    ignored = serializers.IntegerField(help_text="Flagged by the decision deadline.")
    pending = serializers.IntegerField(help_text="No decision yet.")
    final_accepted = serializers.IntegerField(
        help_text="Accepted, or turned into an acceptance by an overturn / follow_up verdict."
    )
    first_pass_rate = serializers.FloatField(
        allow_null=True, help_text="accepted / (accepted + rejected + ignored)."
    )
    final_rate = serializers.FloatField(
        allow_null=True, help_text="final_accepted / (accepted + rejected + ignored)."
    )


@extend_schema_serializer(component_name="AcceptanceSeries")
class AcceptanceSeriesSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PeriodKind.values)
    group_by = serializers.CharField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the snapshots were last recomputed."
    )
    results = AcceptanceRowSerializer(many=True)


class AcceptanceApi(JsonApi):
    class InputSerializer(serializers.Serializer):
        period = serializers.ChoiceField(
            choices=PeriodKind.values, required=False, help_text="Default `month`."
        )
        group_by = serializers.ChoiceField(
            choices=GROUP_BY_CHOICES, required=False, help_text="Omit for one overall row per period."
        )
        start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD).")
        end = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), inclusive.")

    @extend_schema(
        summary="Acceptance rates by week or month, overall or per rep, campaign, source or segment",
        description=(
            "Leads delivered to sales in each period (a recycled lead is a new delivery) and their "
            "first-pass and final acceptance rates (SPEC §7), from the precomputed snapshots. "
            "Defaults: `period=month`, the last six months (or twelve weeks) to today, overall."
        ),
        parameters=[InputSerializer],
        responses={200: AcceptanceSeriesSerializer, **errors(400, 403)},
    )
    def get(self, request):
        if not may_view_metrics(request.user):
            raise ActionForbidden(REFUSAL)
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        group_by = query.validated_data.get("group_by")
        filters = metric_filters_build(
            period=query.validated_data.get("period"),
            start=query.validated_data.get("start"),
            end=query.validated_data.get("end"),
            dimension=group_by,
            today=local_today(),
        )
        rows = selectors.acceptance_series(filters=filters, group_by=group_by)
        body = {
            "period": filters.period,
            "group_by": group_by,
            "start": filters.start,
            "end": filters.end,
            "computed_at": selectors.snapshots_computed_at(),
            "results": rows,
        }
        return Response(AcceptanceSeriesSerializer(body).data)

"""The managers' dashboards (SPEC §7, §9): one page of charts and tables
read from the snapshots, and each table as CSV (``?export=<table>``) with
the same filters and the same rows."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render

from leadcourt.errors import InvalidInput
from leadcourt.form_errors import form_add_service_error
from leadcourt.replica_reads import reads_from_replica
from metrics.dashboard import Dashboard, Table, csv_value
from metrics.filters import metric_filters_build
from metrics.forms import DashboardFilterForm
from metrics.periods import local_today
from metrics.permissions import REFUSAL, may_view_metrics
from metrics.selectors import snapshots_computed_at


def _filters(form: DashboardFilterForm, today: date):
    """The filters asked for, or the defaults (with the form showing why)
    when the request's values are not usable."""
    if form.is_valid():
        try:
            return metric_filters_build(**form.cleaned_data, today=today)
        except InvalidInput as exc:
            form_add_service_error(form, exc)
    return metric_filters_build(period=None, start=None, end=None, dimension=None, today=today)


@login_required
@reads_from_replica
def dashboards(request):
    if not may_view_metrics(request.user):
        raise PermissionDenied(REFUSAL)
    today = local_today()
    form = DashboardFilterForm(request.GET or None)
    filters = _filters(form, today)
    dashboard = Dashboard(filters)
    export = request.GET.get("export")
    if export:
        table = dashboard.table(export)
        if table is None:
            raise Http404("No such table.")
        return _csv_response(table, filters)
    if not form.is_bound:
        form = DashboardFilterForm(
            initial={
                "period": filters.period,
                "start": filters.start,
                "end": filters.end,
                "dimension": filters.dimension,
            }
        )
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "metrics/dashboards.html",
        {
            "form": form,
            "filters": filters,
            "sections": dashboard.sections(),
            "computed_at": snapshots_computed_at(),
            "query": query.urlencode(),
        },
    )


class _Echo:
    """A write-only file for ``csv.writer`` that hands each line back."""

    def write(self, value):
        return value


def _csv_response(table: Table, filters) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            [column.header + (" (%)" if column.kind == "pct" else "") for column in table.columns]
        )
        for row in table.rows:
            yield writer.writerow([csv_value(row.get(column.key), column.kind) for column in table.columns])

    name = f"leadcourt-{table.slug}-{filters.period}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

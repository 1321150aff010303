"""The managers' dashboards page and its CSV exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads import services
from leads.models import Lead
from metrics.snapshots import snapshots_recompute
from tests.clock import london
from tests.metrics.conftest import JAN

pytestmark = pytest.mark.django_db

URL = "/dashboards/"
JANUARY = {"period": "month", "start": "2025-01-01", "end": "2025-01-31"}


@pytest.fixture
def computed(story):
    snapshots_recompute(first=JAN, last=JAN.replace(day=31), now=story.now)
    return story


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def chart(response, slug) -> dict:
    html = response.content.decode()
    marker = f'<script id="chart-{slug}" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def test_a_manager_sees_every_section_with_charts_and_csv_links(client, manager, computed):
    client.force_login(manager)
    response = client.get(URL, {**JANUARY, "dimension": "campaign"})
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Acceptance", "By campaign", "Verdicts", "Judges", "Follow-up", "Funnel", "Campaigns"):
        assert f">{title}</h2>" in html
    for slug in ("acceptance", "acceptance-by", "verdicts", "judges", "followup", "funnel", "campaigns"):
        assert f"export={slug}" in html
    # Chart.js is served by the app, not a CDN.
    assert "/static/metrics/vendor/chart.js/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    trend = chart(response, "acceptance-trend")
    assert trend["labels"] == ["Jan 2025"]
    first_pass, final, average, aligned = trend["datasets"]
    assert (first_pass["data"], final["data"]) == ([33.3], [66.7])
    assert (average["data"], aligned["data"]) == ([42.0], [84.0])
    assert average["reference"] and aligned["reference"]


def test_the_dimension_picker_changes_the_breakdown(client, manager, computed):
    client.force_login(manager)
    response = client.get(URL, {**JANUARY, "dimension": "segment"})
    by = chart(response, "acceptance-by")
    # Most deliveries first: EMEA 4 (1 accepted, 2 rejected, 1 pending), APAC 3.
    assert by["labels"] == ["EMEA", "APAC"]
    first_pass, final = by["datasets"][:2]
    assert (first_pass["data"], final["data"]) == ([33.3, 33.3], [66.7, 66.7])
    assert "Acceptance by segment</h3>" in response.content.decode()


def test_weekly_period_shows_one_row_per_week(client, manager, computed):
    client.force_login(manager)
    response = client.get(URL, {"period": "week", "start": "2025-01-13", "end": "2025-01-26"})
    assert chart(response, "acceptance-trend")["labels"] == ["w/c 13 Jan 2025", "w/c 20 Jan 2025"]


def test_csv_export_streams_the_table_rows(client, manager, computed):
    client.force_login(manager)
    rows = csv_rows(client.get(URL, {**JANUARY, "dimension": "source", "export": "acceptance-by"}))
    header, *body = rows
    assert header[:6] == ["Source", "Delivered", "Accepted", "Rejected", "Ignored", "Awaiting decision"]
    assert "First-pass acceptance (%)" in header
    by_source = {r[0]: r for r in body}
    assert set(by_source) == {"Website", "Webinar", "Trade show"}
    webinar = dict(zip(header, by_source["Webinar"], strict=True))
    assert (webinar["Delivered"], webinar["Finally accepted"], webinar["First-pass acceptance (%)"]) == (
        "2",
        "2",
        "50.0",
    )


@pytest.mark.parametrize(
    "slug", ["acceptance", "followup", "verdicts", "verdicts-by", "judges", "funnel", "campaigns"]
)
def test_every_table_exports(client, manager, computed, slug):
    client.force_login(manager)
    header, *body = csv_rows(client.get(URL, {**JANUARY, "export": slug}))
    assert header and body


def test_csv_cells_are_never_spreadsheet_formulas(client, manager, computed):
    Lead.objects.filter(pk=computed.leads["L7"].pk).update(source='=HYPERLINK("http://evil")')
    snapshots_recompute(first=JAN, last=JAN.replace(day=31), now=computed.now)
    client.force_login(manager)
    _, *body = csv_rows(client.get(URL, {**JANUARY, "dimension": "source", "export": "acceptance-by"}))
    assert '\'=HYPERLINK("http://evil")' in [r[0] for r in body]


def test_an_unknown_table_is_404(client, manager, db):
    client.force_login(manager)
    assert client.get(URL, {"export": "passwords"}).status_code == 404


def test_bad_filters_show_an_error_and_the_default_range(client, manager, computed):
    client.force_login(manager)
    response = client.get(URL, {"period": "month", "start": "2025-02-01", "end": "2025-01-01"})
    assert response.status_code == 200
    assert "The start must be on or before the end." in response.content.decode()


def test_before_the_first_computation_the_page_says_so(client, manager, db):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert "No snapshots yet" in html
    assert "No leads were delivered to sales in this range." in html
    assert "<canvas" not in html


@pytest.mark.parametrize("persona", ["rep", "marketer", "judge", "outsider"])
def test_only_managers_and_administrators_see_the_dashboards(client, persona, request, admin_user):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "acceptance"}).status_code == 403
    client.force_login(admin_user)
    assert client.get(URL).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def _deliver(count: int, marketer, rep, clock) -> None:
    """``count`` leads, each from its own source (so each is a key of the
    source breakdown), delivered and decided through the services."""
    clock.set(london(2025, 1, 13, 9, 0))
    for n in range(count):
        lead, _ = services.lead_create(
            actor=marketer,
            criteria=["vertical", "firmographics", "decision_makers", "pains"],
            first_name=f"Lead {n}",
            source=f"Source {n}",
        )
        services.lead_qualify(lead=lead, actor=marketer)
        if n % 2:
            services.lead_accept(lead=lead, actor=rep)
        else:
            services.lead_reject(lead=lead, actor=rep, reason="no_budget")
    snapshots_recompute(first=JAN, last=JAN.replace(day=31), now=london(2025, 1, 31, 9, 0))


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {**JANUARY, "dimension": "source"})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.postgres
def test_the_page_costs_the_same_queries_for_10_or_200_leads(client, manager, marketer, rep, clock):
    client.force_login(manager)
    _deliver(10, marketer, rep, clock)
    with_10 = _page_queries(client)
    _deliver(190, marketer, rep, clock)
    with_200 = _page_queries(client)
    assert with_10 == with_200
    assert with_200 <= 15

"""Views opt in to the read replica with @reads_from_replica (GET and HEAD
only), and a browser that has just written reads from the primary for a
while (ReplicaPinningMiddleware). The managers' dashboards are marked."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.template import engines
from django.template.response import SimpleTemplateResponse
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import IntervalSchedule

from leadcourt.db_router import DEFAULT, REPLICA
from leadcourt.replica_reads import PIN_COOKIE, ReplicaPinningMiddleware, reads_from_replica

pytestmark = pytest.mark.django_db(databases=[DEFAULT, REPLICA])

# Tables of who is asking: always read from the primary (db_router.PRIMARY_ONLY_APPS).
IDENTITY_TABLES = re.compile(r'"(django_session|accounts_user\w*|auth_\w+|django_content_type)"')


@pytest.fixture
def replica_enabled(settings):
    settings.READ_REPLICA_ENABLED = True
    settings.READ_REPLICA_PIN_SECONDS = 10


@reads_from_replica
def where_reads_go(request):
    return HttpResponse(IntervalSchedule.objects.all().db)


def queries_by_connection(fetch):
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT]) as on_primary,
    ):
        response = fetch()
    return response, [q["sql"] for q in on_primary], [q["sql"] for q in on_replica]


def test_dashboards_read_their_data_from_the_replica(client, manager, replica_enabled):
    client.force_login(manager)
    response, on_primary, on_replica = queries_by_connection(lambda: client.get("/dashboards/"))
    assert response.status_code == 200
    assert any("metrics_" in sql for sql in on_replica)
    # The primary only answered who is asking.
    assert on_primary
    assert all(IDENTITY_TABLES.search(sql) for sql in on_primary), on_primary


def test_dashboard_export_reads_from_the_replica(client, manager, replica_enabled):
    client.force_login(manager)
    response, on_primary, on_replica = queries_by_connection(
        lambda: client.get("/dashboards/", {"export": "acceptance"})
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).startswith(b"Period")
    assert any("metrics_" in sql for sql in on_replica)
    assert all(IDENTITY_TABLES.search(sql) for sql in on_primary), on_primary


def test_dashboards_read_from_the_primary_without_a_replica(client, manager, settings):
    settings.READ_REPLICA_ENABLED = False
    client.force_login(manager)
    response, on_primary, on_replica = queries_by_connection(lambda: client.get("/dashboards/"))
    assert response.status_code == 200
    assert on_replica == []
    assert any("metrics_" in sql for sql in on_primary)


def test_a_marked_view_reads_from_the_replica_on_get_and_head(rf, replica_enabled):
    assert where_reads_go(rf.get("/")).content == b"replica"
    assert where_reads_go(rf.head("/")).content == b"replica"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_marked_view_reads_from_the_primary_on_writing_methods(rf, replica_enabled, method):
    assert where_reads_go(getattr(rf, method)("/")).content == b"default"


def test_a_view_that_is_not_marked_reads_from_the_primary(rf, replica_enabled):
    def unmarked(request):
        return HttpResponse(IntervalSchedule.objects.all().db)

    assert unmarked(rf.get("/")).content == b"default"


def test_a_streamed_body_is_read_from_the_replica(rf, replica_enabled):
    @reads_from_replica
    def export(request):
        return StreamingHttpResponse(IntervalSchedule.objects.all().db for _ in range(2))

    response = export(rf.get("/"))
    # Produced after the view returned, as the WSGI server would.
    assert b"".join(response.streaming_content) == b"replicareplica"
    assert IntervalSchedule.objects.all().db == DEFAULT


def test_a_lazily_rendered_template_is_read_from_the_replica(rf, replica_enabled):
    template = engines["django"].from_string("{{ db }}")

    @reads_from_replica
    def page(request):
        return SimpleTemplateResponse(template, {"db": lambda: IntervalSchedule.objects.all().db})

    assert page(rf.get("/")).content == b"replica"


def test_a_writing_request_pins_the_browser_to_the_primary(rf, replica_enabled):
    middleware = ReplicaPinningMiddleware(lambda request: HttpResponse())
    response = middleware(rf.post("/leads/1/accept/"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    assert response.cookies[PIN_COOKIE]["httponly"]
    assert PIN_COOKIE not in middleware(rf.get("/inbox/")).cookies


def test_no_pinning_without_a_replica(rf, settings):
    settings.READ_REPLICA_ENABLED = False
    middleware = ReplicaPinningMiddleware(lambda request: HttpResponse())
    assert PIN_COOKIE not in middleware(rf.post("/leads/1/accept/")).cookies


def test_a_pinned_browser_reads_a_marked_view_from_the_primary(rf, replica_enabled):
    request = rf.get("/inbox/")
    request.COOKIES[PIN_COOKIE] = "1"
    assert where_reads_go(request).content == b"default"


def test_the_pinning_middleware_is_installed(client, manager, replica_enabled):
    client.force_login(manager)
    response = client.post("/logout/")
    assert PIN_COOKIE in response.cookies

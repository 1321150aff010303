"""Schemathesis against the live OpenAPI schema of /api/v1/ (SPEC §9).

Every operation in the schema (this app's and every other's) gets a few
generated requests, valid and invalid, sent in-process through Django's WSGI
app inside the test's transaction, as an administrator (who may see and do
everything, so the requests reach the services). The checks: no 5xx, every
status is one the schema documents, and every body and content type matches
the documented one.

Bounded so it stays a small part of ``make test``: a fixed seed, a handful
of examples per operation, no coverage or stateful phases, no example
database on disk, and Hypothesis' health checks off (the database work per
example is what is slow, not the generation).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adjudication import services as court
from leads import services
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_objects(marketer, rep, rep_segment) -> dict[str, list[int]]:
    """A lead in most states, one with touches, and an open case; generated
    ids are mapped onto these (see ``_aim_at_real_objects``)."""
    leads = [
        factories.inquiry(marketer, segment=rep_segment, external_id="CRM-1", email="ada@example.com"),
        factories.mql(marketer, rep, segment=rep_segment),
        factories.sal(marketer, rep, segment=rep_segment),
        factories.sql(marketer, rep, segment=rep_segment),
        factories.rejected(marketer, rep, segment=rep_segment),
    ]
    services.lead_touch_log(lead=leads[2], actor=rep, channel="call", outcome="no_answer")
    case = court.case_open_appeal(
        lead=factories.rejected(marketer, rep, segment=rep_segment), actor=marketer, argument="Budget."
    )
    return {"/api/v1/leads/": [lead.pk for lead in leads] + [case.lead_id], "/api/v1/cases/": [case.pk]}


def _aim_at_real_objects(case, objects: dict[str, list[int]]) -> None:
    """Generated ids almost never exist; map each non-negative integer id onto
    one of the objects above so that the request reaches the service. Other
    ids (negative, not a number) are left alone: they must get a JSON 404."""
    value = (case.path_parameters or {}).get("id")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return
    for prefix, ids in objects.items():
        if case.path.startswith(prefix):
            case.path_parameters["id"] = ids[value % len(ids)]


def _served_schema() -> dict:
    """The schema /api/v1/schema/ serves, generated in-process.

    Loaded at import because Schemathesis' lazy ``from_fixture`` does not run
    under pytest 9 (it reads ``Node._nodeid``, which pytest 9 removed); the
    token, which needs the database, is sent per request instead.
    """
    generator = SchemaGenerator(urlconf=None)
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(
    _served_schema(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20250113,
            "suppress-health-check": ["all"],
            "generation": {"mode": "all", "max-examples": 6, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)


@pytest.fixture
def admin_token(settings, admin_user):
    # Schemathesis' WSGI transport sends Host: localhost.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # As Django's test client does: a request must not close the database
    # connection, which holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.create(user=admin_user).key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.postgres
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, admin_token, fuzz_objects):
    _aim_at_real_objects(case, fuzz_objects)
    case.call_and_validate(
        app=get_wsgi_application(), headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS
    )


def test_the_fuzzed_schema_is_the_one_the_api_serves(client):
    assert client.get("/api/v1/schema/?format=json").json() == _served_schema()

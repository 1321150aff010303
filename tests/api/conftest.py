"""Fixtures for the REST API tests: clients that authenticate as a persona
with a real token (the way an integration does), and a segment that routes
qualified leads to ``rep`` even though ``other_rep`` exists too."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leads.models import Segment


@pytest.fixture
def api():
    """``api(user)``: a client sending ``user``'s token; ``api(None)``: anonymous."""

    def client_for(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def rep_segment(rep):
    return Segment.objects.create(code="emea", name="EMEA", owner_rep=rep)

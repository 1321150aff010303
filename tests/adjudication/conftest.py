"""Fixtures for the judicial branch tests: more judges,
and a way to publish rulebook changes the way an administrator does."""

from __future__ import annotations

import pytest

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads.services import rulebook_version_create
from tests.conftest import make_user


@pytest.fixture
def judge2(db):
    return make_user("judge2", roles.JUDGE, department=Department.EXECUTIVE)


@pytest.fixture
def judge3(db):
    return make_user("judge3", roles.JUDGE, department=Department.EXECUTIVE)


@pytest.fixture
def rules(admin_user):
    """Publish a new rulebook version with some rules changed, as an administrator would."""

    def publish(**changes):
        return rulebook_version_create(actor=admin_user, change_note="test", **changes)

    return publish

"""Fixtures for the judicial branch tests: more judges."""

from __future__ import annotations

import pytest

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from tests.conftest import make_user


@pytest.fixture
def judge2(db):
    return make_user("judge2", roles.JUDGE, department=Department.EXECUTIVE)


@pytest.fixture
def judge3(db):
    return make_user("judge3", roles.JUDGE, department=Department.EXECUTIVE)

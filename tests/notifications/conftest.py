from __future__ import annotations

from unittest import mock

import pytest

from tests.notifications.backends import ProbingBackend


@pytest.fixture
def while_sending(settings, mailoutbox):
    """``while_sending(callback)``: mail goes through ``ProbingBackend``,
    which calls ``callback`` inside every send (it is shared by every thread:
    the settings and the outbox are process-wide)."""
    settings.EMAIL_BACKEND = "tests.notifications.backends.ProbingBackend"

    def install(callback) -> None:
        ProbingBackend.during_send = callback

    yield install
    ProbingBackend.during_send = None


@pytest.fixture
def broker_unreachable():
    """The after-commit hand-off to Celery goes nowhere: the rows the test's
    setup records stay pending for the test to deliver itself, and nothing
    lands in this run's Redis for a later real-worker test to pick up."""
    with mock.patch("leadcourt.notifications.tasks.notification_deliver.delay") as delay:
        yield delay

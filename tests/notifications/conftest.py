"""Fixtures for notification tests: Celery tasks run in this process, so
that after-commit delivery lands in ``mailoutbox``."""

from __future__ import annotations

import pytest

from leadcourt.celery import app


@pytest.fixture
def celery_eager():
    """Run ``.delay()`` in-process (what a worker would do), errors raised.

    Set on the app itself: overriding the Django setting does not reach an
    app that is already configured. The real-worker test covers the rest.
    """
    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before

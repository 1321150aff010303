"""Celery queues by kind of work (settings.CELERY_TASK_ROUTES): each task
lands on its queue, every queue has a worker in docker-compose.yml, and the
embedded worker (`make run`) and the process smoke test consume them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from leadcourt.celery import app

ROOT = Path(settings.BASE_DIR)

EXPECTED_QUEUES = {
    "adjudication.tasks.sweep_decisions": "sweeps",
    "adjudication.tasks.sweep_followups": "sweeps",
    "adjudication.tasks.escalate_cases": "sweeps",
    "adjudication.tasks.monthly_sample": "sweeps",
    "leads.tasks.expire_appeals": "sweeps",
    "leadcourt.notifications.tasks.notification_deliver": "notifications",
    "leadcourt.notifications.tasks.requeue_notifications": "notifications",
    "metrics.tasks.metrics_snapshots": "metrics",
    "leads.imports.tasks.lead_import_run": "imports",
    # Celery's own periodic clean-up (and anything not routed) stays on the default queue.
    "celery.backend_cleanup": "celery",
}


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(("task_name", "queue"), EXPECTED_QUEUES.items())
def test_each_task_is_routed_to_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_task_of_the_project_has_a_route():
    app.loader.import_default_modules()  # autodiscovery: every tasks.py
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(settings.CELERY_TASK_ROUTES)


def test_a_published_task_carries_its_queue_routing_key():
    """What the broker sees: the exchange and routing key of the queue."""
    message = app.amqp.router.route({}, "metrics.tasks.metrics_snapshots")["queue"]
    assert (message.exchange.name, message.routing_key) == ("celery", "metrics")


def test_a_worker_started_without_q_consumes_every_queue():
    # tests/jobs/test_real_worker.py and a plain `celery worker` rely on it.
    assert set(app.amqp.queues) == set(settings.TASK_QUEUE_NAMES)
    assert set(settings.TASK_QUEUE_NAMES) == {"celery", *EXPECTED_QUEUES.values()}


def queues_option(command: str) -> set[str]:
    match = re.search(r" -Q (\S+)", command)
    assert match, command
    return set(match.group(1).split(","))


def test_compose_runs_one_worker_per_queue_and_covers_them_all():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: queues_option(service["command"])
        for name, service in services.items()
        if "celery -A leadcourt worker" in service.get("command", "")
    }
    assert workers == {
        "worker-sweeps": {"sweeps", "celery"},
        "worker-notifications": {"notifications"},
        "worker-metrics": {"metrics"},
        "worker-imports": {"imports"},
    }
    consumed = [queue for queues in workers.values() for queue in queues]
    assert sorted(consumed) == sorted(settings.TASK_QUEUE_NAMES)  # each exactly once


@pytest.mark.parametrize("script", ["scripts/run-dev.sh", "scripts/smoke-processes.sh"])
def test_the_embedded_and_smoke_workers_consume_every_queue(script):
    text = (ROOT / script).read_text().replace("\\\n", " ")
    (command,) = [line for line in text.splitlines() if "celery -A leadcourt worker" in line]
    assert queues_option(command) == set(settings.TASK_QUEUE_NAMES)

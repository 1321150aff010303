"""The deployment files stay consistent with the code and with what CI runs.

No Docker engine runs here, so docker-compose.yml is never started in CI. These
tests keep it honest instead: it parses, it describes the stack of SPEC §10, and
every command it runs (migrate, gunicorn, celery worker, celery beat) is also run
by the process smoke test that `make test` (and so `.ci/run`) executes.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# One Celery worker per queue (settings.CELERY_TASK_ROUTES; tests/scaling/test_celery_queues.py).
WORKERS = ("worker-sweeps", "worker-notifications", "worker-metrics", "worker-imports")
APP_SERVICES = ("migrate", "web", *WORKERS, "beat")
FIRST_PARTY = {"leadcourt", "leads", "adjudication", "metrics", "tests"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    source = (ROOT / "leadcourt" / "settings.py").read_text()
    return set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


def make_recipe(target: str) -> str:
    """The recipe lines of every `target:` rule in the Makefile."""
    lines, in_rule = [], False
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t"):
            if in_rule:
                lines.append(line.strip())
        else:
            in_rule = line.startswith(f"{target}:")
    return "\n".join(lines)


def text_run_by_ci() -> str:
    """.ci/run, the `make test` recipe and the scripts that recipe runs."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    recipe = make_recipe("test")
    scripts = sorted(set(re.findall(r"scripts/[\w.-]+\.sh", recipe)))
    return "\n".join([ci, recipe, *((ROOT / script).read_text() for script in scripts)])


def test_compose_file_describes_the_production_stack(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DEBUG"] == "false", name
        for variable in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
            assert env[variable], (name, variable)
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["CELERY_BROKER_URL"].startswith("redis://"), name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy", name
    for name in ("web", *WORKERS, "beat"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("postgres", "redis", "web", *WORKERS):
        assert services[name]["healthcheck"]["test"], name


def test_compose_sets_only_variables_that_settings_reads(compose):
    known = settings_variables()
    for name in APP_SERVICES:
        assert set(compose["services"][name]["environment"]) <= known, name


def test_every_compose_command_is_run_by_the_ci_smoke_test(compose):
    ci_text = text_run_by_ci()
    assert "scripts/smoke-processes.sh" in make_recipe("test")
    for name in APP_SERVICES:
        command = compose["services"][name]["command"]
        # The smoke test binds gunicorn to a free local port instead of 0.0.0.0:8000,
        # and runs one worker for every queue the compose workers share out
        # (their -Q lists and sizes: tests/scaling/test_celery_queues.py).
        expected = re.sub(r" -b \S+$", " -b", command)
        expected = re.sub(r" -Q \S+| --concurrency=\d+", "", expected)
        assert expected in ci_text, f"{name}: {command!r} is not exercised by `make test`"


def test_web_healthcheck_script_is_exercised_by_the_smoke_test(compose):
    healthcheck = compose["services"]["web"]["healthcheck"]["test"]
    assert "scripts/http-healthcheck.py" in healthcheck
    assert "scripts/http-healthcheck.py" in text_run_by_ci()


def test_dockerfile_builds_a_non_root_image_running_the_web_command(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)
    assert " ".join(yaml.safe_load(cmd)) == compose["services"]["web"]["command"]


def test_env_example_lists_every_variable_settings_reads():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    missing = settings_variables() - listed
    assert not missing, f".env.example does not list {sorted(missing)}"


def test_ci_script_is_executable_and_strict():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    assert "set -euo pipefail" in ci.read_text()
    assert "LEADCOURT_REQUIRE_SERVICES=1" in ci.read_text()


def _third_party_imports() -> dict[str, str]:
    """Top-level third-party modules imported by the application code -> a file importing it."""
    found: dict[str, str] = {}
    for package in FIRST_PARTY - {"tests"}:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in FIRST_PARTY and top not in sys.stdlib_module_names:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _runtime_distributions() -> set[str]:
    """requirements.txt and everything its pins depend on (with their extras)."""
    pending = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            pending.append(Requirement(line))
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        for spec in importlib.metadata.requires(requirement.name) or []:
            dependency = Requirement(spec)
            extras = requirement.extras or {""}
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras):
                pending.append(dependency)
    return seen


def test_runtime_requirements_cover_every_import_of_the_app():
    """`make run` installs requirements.txt only: an app import satisfied only by a
    test dependency (factory-boy brings Faker, for instance) breaks it."""
    module_dists = importlib.metadata.packages_distributions()
    runtime = _runtime_distributions()
    uncovered = {
        module: where
        for module, where in _third_party_imports().items()
        if not {canonicalize_name(d) for d in module_dists.get(module, [])} & runtime
    }
    assert not uncovered, f"imported but not installed by requirements.txt: {uncovered}"

"""Two database roles (README, "Database roles"): DATABASE_URL is the app's
login everywhere, DATABASE_OWNER_URL the owner's, which only ``manage.py
migrate`` switches to; docker-compose.yml gives the owner's login to the
migrate service alone. Each case loads the settings in a fresh interpreter
with its own environment and command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

APP = "postgres://leadcourt_app:app-secret@127.0.0.1:5432/leadcourt"
OWNER = "postgres://leadcourt:owner-secret@127.0.0.1:5432/leadcourt"
ROOT = Path(__file__).resolve().parent.parent.parent

PRINT_LOGIN = """
import json, sys
sys.argv = {argv!r}
import django
django.setup()
from django.conf import settings
print(json.dumps({{"user": settings.DATABASES["default"]["USER"], "app_role": settings.DATABASE_APP_ROLE}}))
"""


def load_settings(argv: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_")}
    env.update(DJANGO_SETTINGS_MODULE="leadcourt.settings", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", PRINT_LOGIN.format(argv=argv)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def login(argv: list[str], **variables: str) -> dict:
    done = load_settings(argv, **variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_process_but_migrate_logs_in_as_the_app_role():
    for argv in (["gunicorn"], ["celery"], ["manage.py", "seed_demo"], ["manage.py", "shell"]):
        assert login(argv, DATABASE_URL=APP, DATABASE_OWNER_URL=OWNER) == {
            "user": "leadcourt_app",
            "app_role": "leadcourt_app",
        }, argv


def test_migrate_logs_in_as_the_owner_and_grants_to_the_app_role():
    assert login(["manage.py", "migrate", "--noinput"], DATABASE_URL=APP, DATABASE_OWNER_URL=OWNER) == {
        "user": "leadcourt",
        "app_role": "leadcourt_app",
    }


def test_without_an_owner_url_one_role_does_everything():
    assert login(["manage.py", "migrate"], DATABASE_URL=OWNER) == {"user": "leadcourt", "app_role": ""}


def test_an_owner_url_beside_sqlite_stops_the_app_at_start_up():
    done = load_settings(["gunicorn"], DATABASE_OWNER_URL=OWNER)
    assert done.returncode != 0
    assert "DATABASE_OWNER_URL needs DATABASE_URL and itself to be postgres:// URLs" in done.stderr


def test_compose_gives_the_owner_login_to_the_migrate_service_only():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name, service in services.items():
        env = service.get("environment", {})
        if name in ("postgres", "redis"):
            continue
        assert env["DATABASE_URL"].startswith("postgres://leadcourt_app:"), name
        assert ("DATABASE_OWNER_URL" in env) == (name == "migrate"), name
    assert services["migrate"]["environment"]["DATABASE_OWNER_URL"].startswith("postgres://leadcourt:")
    init_scripts = [
        volume for volume in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in volume
    ]
    assert init_scripts == [
        "./scripts/postgres-init-app-role.sh:/docker-entrypoint-initdb.d/10-app-role.sh:ro"
    ]
    assert "APP_DB_PASSWORD" in services["postgres"]["environment"]

"""leadcourt/settings.py reads the replica and the pooler from the
environment: DATABASE_REPLICA_URL adds a routed "replica" alias, and
DATABASE_POOLER=pgbouncer turns off what PgBouncer's transaction pooling
cannot carry (server-side cursors, prepared statements). Each case loads the
settings in a fresh interpreter with its own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_DATABASES = """
import json
from django.conf import settings
print(json.dumps({"databases": settings.DATABASES, "enabled": settings.READ_REPLICA_ENABLED,
                  "routers": settings.DATABASE_ROUTERS}, default=str))
"""

PRIMARY = "postgres://leadcourt:secret@127.0.0.1:6432/leadcourt"
REPLICA = "postgres://leadcourt:secret@127.0.0.1:6432/leadcourt_replica"


def load_settings(**variables: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_POOLER", "CONN_MAX_AGE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="leadcourt.settings", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", f"import django; django.setup(); {PRINT_DATABASES}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def databases(**variables: str) -> dict:
    done = load_settings(**variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_replica_url_adds_a_routed_replica_alias_that_mirrors_the_test_database():
    loaded = databases(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA)
    replica = loaded["databases"]["replica"]
    assert loaded["enabled"] is True
    assert (replica["NAME"], replica["PORT"]) == ("leadcourt_replica", 6432)
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["CONN_MAX_AGE"] == loaded["databases"]["default"]["CONN_MAX_AGE"]
    assert loaded["routers"] == ["leadcourt.db_router.PrimaryReplicaRouter"]


def test_without_a_replica_url_or_pooler_the_replica_alias_is_the_primary_and_unused():
    loaded = databases(DATABASE_URL=PRIMARY)
    default, replica = loaded["databases"]["default"], loaded["databases"]["replica"]
    assert loaded["enabled"] is False
    assert (replica["NAME"], replica["PORT"]) == (default["NAME"], default["PORT"])
    assert replica["TEST"]["MIRROR"] == "default"
    # No pooler: server-side cursors (QuerySet.iterator()) stay available.
    assert default.get("DISABLE_SERVER_SIDE_CURSORS", False) is False


def test_behind_pgbouncer_no_server_side_cursors_and_no_prepared_statements_on_either_alias():
    loaded = databases(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA, DATABASE_POOLER="pgbouncer")
    for alias in ("default", "replica"):
        database = loaded["databases"][alias]
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True, alias
        assert database["OPTIONS"]["prepare_threshold"] is None, alias


def test_an_unknown_pooler_stops_the_app_at_start_up():
    done = load_settings(DATABASE_URL=PRIMARY, DATABASE_POOLER="pgpool")
    assert done.returncode != 0
    assert "DATABASE_POOLER must be empty or 'pgbouncer'" in done.stderr

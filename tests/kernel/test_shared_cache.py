"""The throttles and the login lockout count in a cache that every web process
shares. The settings refuse a per-process cache, and two processes (two cache
clients with their own connections, as two gunicorn workers have) pointed at
the same Redis see each other's counts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from leadcourt.api.throttling import ClientAddressScopedRateThrottle

ROOT = Path(__file__).resolve().parents[2]


def cache_backend_with(**env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with ``env`` and print the cache backend."""
    environment = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from leadcourt import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_cache_url_the_cache_is_the_database_that_every_process_shares():
    result = cache_backend_with()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"


def test_a_redis_cache_url_gives_the_redis_cache():
    result = cache_backend_with(CACHE_URL="redis://127.0.0.1:6379/7")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize("url", ["locmemcache://", "dummycache://", "filecache:///tmp/leadcourt-cache"])
def test_a_cache_that_is_not_shared_by_every_process_is_refused_at_start_up(url):
    result = cache_backend_with(CACHE_URL=url)

    assert result.returncode != 0
    assert "CACHE_URL must name a cache shared by every web process" in result.stderr


@pytest.fixture
def two_workers_on_one_redis():
    """Two RedisCache clients (separate connection pools) on the test Redis,
    under a key prefix of this test's own; its keys are removed afterwards."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    prefix = f"test-shared-cache-{uuid.uuid4().hex}"
    workers = [RedisCache(url, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield workers
    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter(match=f"{prefix}:*"):
        connection.delete(key)


@pytest.mark.redis
@pytest.mark.django_db
def test_guesses_counted_by_one_worker_are_seen_by_the_other(
    rep, settings, monkeypatch, two_workers_on_one_redis
):
    first, second = two_workers_on_one_redis
    settings.AXES_FAILURE_LIMIT = 4
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "3/minute"})
    lockout = AxesProxyHandler.get_implementation()
    client = APIClient()

    def attempt_on(worker, password: str) -> int:
        # The request is served by ``worker``: its cache client counts it.
        monkeypatch.setattr(ClientAddressScopedRateThrottle, "cache", worker)
        monkeypatch.setattr(lockout, "cache", worker)
        body = {"username": "rep", "password": password}
        return client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="198.51.100.7").status_code

    throttled = [attempt_on(worker, "guess") for worker in (first, second, first, second)]

    assert throttled == [400, 400, 400, 429]
    # Past the throttle's window the lockout, counted the same way, holds.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "1000/minute"})
    assert attempt_on(second, "guess") == 429  # the 4th failure: locked out
    assert attempt_on(first, "correct horse battery staple") == 429

"""CPU time per request of each page, whatever else the machine is doing.

Wall-clock times on a shared machine measure the other processes too; CPU
time does not move with them (much). Each page is requested through Django's
test client (no HTTP server) on the benchmark database as its persona, and
the CPU time of this process and of its PostgreSQL backend (read from
``/proc``, so run it on the database's machine) is divided by the number of
requests; the best of ``REPS`` runs of ``N`` requests.

    DATABASE_URL=postgres://leadcourt:leadcourt@127.0.0.1:5432/leadcourt_bench \\
    DEBUG=false SECRET_KEY=… ALLOWED_HOSTS=127.0.0.1 \\
      .venv/bin/python bench/page_cpu.py [path …]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadcourt.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = [
    ("bench_manager_1", "/healthz"),
    ("bench_manager_1", "/leads/"),
    ("bench_marketer_01", "/marketing/leads/"),
    ("bench_marketer_01", "/api/v1/leads/"),
    ("bench_rep_01", "/accepted/"),
    ("bench_rep_01", "/inbox/"),
    ("bench_judge_1", "/cases/"),
    ("bench_rep_01", "/cases/"),
    ("bench_marketer_01", "/leads/rejected/"),
    ("bench_manager_1", "/leads/?q=Okafor"),
    ("bench_marketer_01", "/marketing/leads/?q=Okafor"),
    ("bench_marketer_01", "/api/v1/leads/?search=Okafor"),
    ("bench_manager_1", "/dashboards/"),
]
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main(only: list[str]) -> None:
    n, reps = int(os.environ.get("N", "10")), int(os.environ.get("REPS", "3"))
    users = get_user_model().objects
    clients: dict[str, Client] = {}
    for username, path in PAGES:
        if only and path not in only:
            continue
        if username not in clients:
            clients[username] = Client(HTTP_HOST="127.0.0.1")
            clients[username].force_login(users.get(username=username))
        client = clients[username]
        client.get(path)  # warm
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        python, sql = [], []
        for _ in range(reps):
            p0, b0 = time.process_time(), backend_cpu(pid)
            for _ in range(n):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            python.append((time.process_time() - p0) / n * 1000)
            sql.append((backend_cpu(pid) - b0) / n * 1000)
        cost = f"Python {min(python):6.1f} ms  PostgreSQL {min(sql):6.1f} ms"
        print(f"{path:34s} {username:18s} {cost}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

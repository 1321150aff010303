# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""Many users at once over a page mix, with ``wrk``, against as many users on
``/healthz``."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import time
from pathlib import Path

from harness import LOAD_ROUNDS, LOAD_SECONDS, USERS, Report, Row, ms, ratio

WRK_SCRIPT = """
local items = {ITEMS}
local counter = 0
request = function()
  counter = counter + 1
  local item = items[(counter %% #items) + 1]
  return wrk.format("GET", item[1], {["Cookie"] = item[2], ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  io.write(string.format("BENCHWRK {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p95_us\\":%d,\\"max_us\\":%d,"
    .. "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
"""


def wrk_run(base: str, items: list[tuple[str, str]], workdir: Path, name: str) -> dict:
    lua_items = "{" + ",".join(f'{{"{path}", "{cookie}"}}' for path, cookie in items) + "}"
    script = workdir / f"{name}.lua"
    script.write_text(WRK_SCRIPT.replace("%%", "%").replace("{ITEMS}", lua_items))
    args = [
        "wrk",
        "-t2",
        f"-c{USERS}",
        f"-d{LOAD_SECONDS}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base + "/",
    ]
    proc = subprocess.run(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=LOAD_SECONDS + 120
    )
    match = re.search(r"^BENCHWRK (.*)$", proc.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{proc.stdout}")
    data = json.loads(match.group(1))
    drain(base)
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return data


def drain(base: str) -> None:
    """Wait until gunicorn has worked off the requests wrk left queued when it
    stopped (sync workers serve the listen queue in order), so that the next
    run starts on an idle server."""
    import requests

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            started = time.perf_counter()
            requests.get(base + "/healthz", timeout=600)
            if time.perf_counter() - started < 0.5:
                return
        except requests.RequestException:
            time.sleep(1)


def load_rows(report: Report, base: str, sessions: dict, mix: list[tuple[str, str]], workdir: Path) -> None:
    cookie = {persona: f"sessionid={s.cookies['sessionid']}" for persona, s in sessions.items()}
    with_api = [(path, cookie[persona]) for persona, path in mix]
    without_api = [(path, c) for path, c in with_api if not path.startswith("/api/")]
    floor_items = [("/healthz", cookie[mix[0][0]])]
    for label, items in (
        (f"{USERS} users, mixed pages incl. `GET /api/v1/leads/`", with_api),
        (f"{USERS} users, the same mix without the API list", without_api),
    ):
        things, floors = [], []
        for round_no in range(LOAD_ROUNDS):
            things.append(wrk_run(base, items, workdir, "mix"))
            floors.append(wrk_run(base, floor_items, workdir, "floor"))
            print(
                f"  load round {round_no + 1}/{LOAD_ROUNDS}: {things[-1]['rps']:.1f} req/s vs {floors[-1]['rps']:.1f}",
                flush=True,
            )
        p95 = statistics.median(t["p95_us"] for t in things) / 1e6
        rps = statistics.median(t["rps"] for t in things)
        f95 = statistics.median(f["p95_us"] for f in floors) / 1e6
        frps = statistics.median(f["rps"] for f in floors)
        errors = sum(t["errors"] for t in things)
        ferrors = sum(f["errors"] for f in floors)
        report.add(
            Row(
                label,
                f"p95 {ms(p95)}, {rps:,.1f} req/s",
                f"p95 {ms(f95)}, {frps:,.0f} req/s",
                f"p95 {ratio(p95, f95)}; req/s ÷{frps / rps:,.1f}" if rps else "n/a",
                f"errors {errors} (floor {ferrors}); {LOAD_ROUNDS}×{LOAD_SECONDS} s each; "
                f"{sum(t['requests'] for t in things):,} requests over: "
                + ", ".join(sorted({p for p, _ in items})),
            )
        )

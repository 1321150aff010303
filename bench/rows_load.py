# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""Many users at once over a page mix, against as many users on
``/healthz``, in two shapes:

* **users who think** (``bench/users.py``): each of ``BENCH_USERS`` people
  on a kept-alive connection of their own waits a random think time
  (exponential) before the next page, as a person reading a page would,
  arriving over the first think time; requests of a warm-up are not
  counted. Two think times: ``BENCH_THINK_MS`` (7 s by default, TPC-W's mean
  think time for people browsing a web application; 64 such users ask for
  about 9 pages a second, still more than 64 people deciding a lead every
  ten seconds) — the target, p95 < 150 ms — and
  ``BENCH_STRESS_THINK_MS`` (1 s: about 60 pages a second, a stress test);
* **saturation** (closed loop, no think time, with ``wrk``): every
  connection sends its next request the moment the last one answers. This
  measures throughput; its latency is queueing, ``users ÷ throughput``,
  whatever the pages cost.

Latency counts from sending a request to its answer, never the think time.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import time
from pathlib import Path

from harness import LOAD_ROUNDS, LOAD_SECONDS, STRESS_THINK_MS, THINK_MS, USERS, Report, Row, ms, ratio
from users import users_run

WRK_SCRIPT = """
local items = {ITEMS}
local think_ms = {THINK_MS}
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
init = function(args)
  math.randomseed(os.time() + 7919 * (thread_no or 0))
end
delay = function()
  if think_ms <= 0 then return 0 end
  return math.floor(-math.log(1 - math.random()) * think_ms)
end
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


def wrk_run(base: str, items: list[tuple[str, str]], workdir: Path, name: str, *, think_ms: int = 0) -> dict:
    lua_items = "{" + ",".join(f'{{"{path}", "{cookie}"}}' for path, cookie in items) + "}"
    script = workdir / f"{name}.lua"
    script.write_text(
        WRK_SCRIPT.replace("%%", "%").replace("{ITEMS}", lua_items).replace("{THINK_MS}", str(think_ms))
    )
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


def users_once(base: str, items: list[tuple[str, str]], think_ms: int) -> dict:
    """One run of ``users.users_run``, in wrk's terms (microseconds)."""
    result = users_run(base, items, users=USERS, think_ms=think_ms, seconds=LOAD_SECONDS)
    drain(base)
    return {
        "requests": len(result.latencies),
        "p50_us": result.percentile(50) * 1e6,
        "p95_us": result.percentile(95) * 1e6,
        "max_us": max(result.latencies, default=0) * 1e6,
        "rps": result.rps,
        "errors": result.errors,
    }


def load_rows(report: Report, base: str, sessions: dict, mix: list[tuple[str, str]], workdir: Path) -> None:
    cookie = {persona: f"sessionid={s.cookies['sessionid']}" for persona, s in sessions.items()}
    with_api = [(path, cookie[persona]) for persona, path in mix]
    without_api = [(path, c) for path, c in with_api if not path.startswith("/api/")]
    floor_items = [("/healthz", cookie[mix[0][0]])]
    shapes = (
        (
            f"{USERS} users thinking {THINK_MS / 1000:g} s, mixed pages incl. `GET /api/v1/leads/`",
            with_api,
            THINK_MS,
        ),
        (
            f"{USERS} users thinking {STRESS_THINK_MS / 1000:g} s (stress), the same mix",
            with_api,
            STRESS_THINK_MS,
        ),
        (f"{USERS} users, saturation (no think time), the same mix", with_api, 0),
        (f"{USERS} users, saturation, the mix without the API list", without_api, 0),
    )
    for label, items, think_ms in shapes:
        things, floors = [], []
        for round_no in range(LOAD_ROUNDS):
            if think_ms:
                things.append(users_once(base, items, think_ms))
                floors.append(users_once(base, floor_items, think_ms))
            else:
                things.append(wrk_run(base, items, workdir, "mix"))
                floors.append(wrk_run(base, floor_items, workdir, "floor"))
            print(
                f"  {label[:40]}… round {round_no + 1}/{LOAD_ROUNDS}: "
                f"{things[-1]['rps']:.1f} req/s p95 {things[-1]['p95_us'] / 1000:.0f} ms "
                f"vs {floors[-1]['rps']:.1f} req/s p95 {floors[-1]['p95_us'] / 1000:.0f} ms",
                flush=True,
            )
        p95 = statistics.median(t["p95_us"] for t in things) / 1e6
        rps = statistics.median(t["rps"] for t in things)
        f95 = statistics.median(f["p95_us"] for f in floors) / 1e6
        frps = statistics.median(f["rps"] for f in floors)
        errors = sum(t["errors"] for t in things)
        ferrors = sum(f["errors"] for f in floors)
        tool = "bench/users.py" if think_ms else "wrk"
        report.add(
            Row(
                label,
                f"p95 {ms(p95)}, {rps:,.1f} req/s",
                f"p95 {ms(f95)}, {frps:,.0f} req/s",
                f"p95 {ratio(p95, f95)}; req/s ÷{frps / rps:,.1f}" if rps else "n/a",
                f"{tool}; errors {errors} (floor {ferrors}); {LOAD_ROUNDS}×{LOAD_SECONDS} s each; "
                f"{sum(t['requests'] for t in things):,} requests over: "
                + ", ".join(sorted({p for p, _ in items})),
            )
        )

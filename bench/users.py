"""People using the app at once: each with their own kept-alive connection,
reading a page for a while (an exponential think time) before asking for the
next, arriving over the first think time rather than all in the same second.

``wrk`` measures the closed loop well (``rows_load``'s saturation rows), but
it delays the first request of every connection by a think time, which
gunicorn's threaded worker meets by holding a thread for up to five seconds
waiting for the request to arrive, and it records those first requests with
the rest: with think times, its tail measured the tool, not the app. Here,
nothing is recorded during the warm-up (every user has made at least one
request on its connection by then), and only requests sent during the
measured window count. HTTP/1.1 over asyncio streams, no dependency: a few
dozen requests a second cost this process next to nothing.
"""

# Think times and arrival moments only: no secret comes from this random (S311).
# ruff: noqa: S311

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class UsersResult:
    latencies: list[float] = field(default_factory=list)  # seconds, requests sent in the window
    errors: int = 0
    window: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.window if self.window else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if headers.get("connection", "").lower() == "close":
        raise ConnectionResetError("server closed the connection")
    return status


async def _user(
    host: str,
    port: int,
    items: list[tuple[str, str]],
    start: int,
    think: float,
    window_start: float,
    window_end: float,
    result: UsersResult,
    rng: random.Random,
) -> None:
    # Arrive at some moment during the first think time.
    await asyncio.sleep(rng.uniform(0, think))
    reader = writer = None
    n = start
    while time.monotonic() < window_end:
        path, cookie = items[n % len(items)]
        n += 1
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
            "Accept: text/html,application/json\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        sent = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
                sent = time.monotonic()
            writer.write(request)
            await writer.drain()
            status = await _read_response(reader)
            ok = status == 200
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            ok = False
            if writer is not None:
                writer.close()
            reader = writer = None
        elapsed = time.monotonic() - sent
        if window_start <= sent < window_end:
            if ok:
                result.latencies.append(elapsed)
            else:
                result.errors += 1
        await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)
    if writer is not None:
        writer.close()


async def _run(host, port, items, users, think, warmup, seconds, seed) -> UsersResult:
    result = UsersResult(window=seconds)
    now = time.monotonic()
    window_start, window_end = now + warmup, now + warmup + seconds
    rng = random.Random(seed)
    await asyncio.gather(
        *(
            _user(
                host,
                port,
                items,
                start=i * 7919 % len(items),
                think=think,
                window_start=window_start,
                window_end=window_end,
                result=result,
                rng=random.Random(rng.random()),
            )
            for i in range(users)
        )
    )
    return result


def users_run(
    base: str,
    items: list[tuple[str, str]],
    *,
    users: int,
    think_ms: int,
    seconds: int,
    warmup: float | None = None,
    seed: int = 11,
) -> UsersResult:
    """``users`` people over ``items`` ((path, cookie header), each user
    starting at its own place in the list) against ``base``
    (``http://127.0.0.1:port``): latencies of the requests sent during
    ``seconds`` after a warm-up of two think times (at least 5 s)."""
    hostport = base.split("://", 1)[1].rstrip("/")
    host, port = hostport.split(":")
    think = think_ms / 1000
    warmup = max(5.0, 2 * think) if warmup is None else warmup
    return asyncio.run(_run(host, int(port), items, users, think, warmup, seconds, seed))

"""`python -m benchmarks.rate_limit`: 300 gets from 50 tasks at a 50-per-second rate limit.

Also run by `nox -s bench` (after benchmarks.run; `-- --only rate_limit` runs it alone).

A loopback server (uvicorn, its own process) allows 50 requests per 1-second fixed window, the
first window opening with the first request, and answers like the API (tests/spec/NOTES.md §10):
`X-Rate-Limit-Limit`, `-Remaining` and `-Retry` on every response (`-Retry` in Unix seconds with
millisecond precision: whole seconds cannot describe a 1-second window), and past the limit a 429
with `Retry-After` and `X-Rate-Limit-Type: api_calls`, the request not served. 300 calls fit in 6
windows, so the ideal is ~5 s. Each client makes the 300 `get` calls with 50 workers:

- SDK default: `AsyncClient` as built by a user (`max_retries=2`, headers drive the pacer).
- SDK rate_limit: the same with `rate_limit=(50, 1.0)`, the server's limit.
- raw httpx: `httpx.AsyncClient`, no pacing; a 429 is retried up to 2 times after sleeping its
  `Retry-After` (the common hand-written loop), then the call counts as failed.
- official 6.1.1: the official `voucherify` SDK (sync, urllib3) in 50 threads; it does not
  retry a 429, so each 429 is a failed call. Skipped when `voucherify` is not installed.

Reported per client: the median seconds over `--rounds` rounds, and the worst round's failed
calls and 429s (counted by the server). Targets for the SDK default: 0 failed, at most 5 429s,
within 1.1x the ideal; with `rate_limit`: 0 429s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from benchmarks._harness import ROOT
from benchmarks._server import customer_template, free_port
from voucherify_async import AsyncClient, VoucherifyError
from voucherify_async.testing._ratelimit import FixedWindowLimit

KEYS = {"X-App-Id": "bench-app", "X-App-Token": "bench-secret"}
CUSTOMER_ID = "cust_T849EgzNVVmn5icJ2FAkT2rO"
LIMIT, WINDOW = 50, 1.0
CALLS, WORKERS = 300, 50
IDEAL = (CALLS // LIMIT - 1) * WINDOW

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class LimitedApp:
    """The ASGI app: `GET /v1/customers/{id}` under the limit; `/_bench/reset`, `/_bench/stats`."""

    def __init__(self) -> None:
        self.customer = json.dumps(customer_template(), separators=(",", ":")).encode()
        self.reset()

    def reset(self) -> None:
        self.limit = FixedWindowLimit(LIMIT, WINDOW)
        self.served = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        headers = [(b"content-type", b"application/json")]
        status, body = 200, b"{}"
        if path == "/_bench/reset":
            self.reset()
        elif path == "/_bench/stats":
            body = json.dumps({"refused": self.limit.refused, "served": self.served}).encode()
        else:
            stamped, refusal = self.limit.take(time.time())
            headers += stamped
            if refusal is not None:
                headers += refusal
                status, body = 429, b'{"code":429,"message":"Too many requests hit the API."}'
            else:
                self.served += 1
                body = self.customer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class LimitedServer:
    """`LimitedApp` in its own process on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LimitedServer:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.rate_limit", "--serve", str(self.port)], cwd=ROOT
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("the rate-limit server did not start") from None
                time.sleep(0.1)

    def reset(self) -> None:
        """Forget the window: the next request opens a fresh one."""
        httpx.post(self.base_url + "/_bench/reset", timeout=5).raise_for_status()

    def stats(self) -> dict[str, int]:
        response = httpx.get(self.base_url + "/_bench/stats", timeout=1)
        response.raise_for_status()
        counts: dict[str, int] = response.json()
        return counts

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


@dataclass
class Row:
    """One client's rounds."""

    label: str
    seconds: list[float] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    note: str = ""


async def _workers(call: Callable[[], Awaitable[None]]) -> int:
    """Make the `CALLS` calls with `WORKERS` tasks; return how many raised."""
    left, failed = CALLS, 0

    async def worker() -> None:
        nonlocal left, failed
        while left > 0:
            left -= 1
            try:
                await call()
            except (VoucherifyError, httpx.HTTPError):
                failed += 1

    async with anyio.create_task_group() as tg:
        for _ in range(WORKERS):
            tg.start_soon(worker)
    return failed


async def sdk_round(server: LimitedServer, **options: Any) -> tuple[float, int, str]:
    async with AsyncClient(
        KEYS["X-App-Id"], KEYS["X-App-Token"], base_url=server.base_url, **options
    ) as client:

        async def call() -> None:
            await client.customers.get(CUSTOMER_ID)

        started = time.perf_counter()
        failed = await _workers(call)
        elapsed = time.perf_counter() - started
        stats = getattr(client, "stats", None)
    return elapsed, failed, f"client.stats: {stats}" if stats is not None else ""


async def raw_round(server: LimitedServer) -> tuple[float, int, str]:
    async with httpx.AsyncClient(
        base_url=server.base_url,
        headers={**KEYS, "Accept": "application/json"},
        limits=httpx.Limits(max_connections=WORKERS),
        timeout=30.0,
    ) as client:

        async def call() -> None:
            for _ in range(3):  # the first try and 2 retries
                response = await client.get(f"/v1/customers/{CUSTOMER_ID}")
                if response.status_code != 429:
                    response.raise_for_status()
                    response.json()
                    return
                await anyio.sleep(float(response.headers.get("retry-after", "1")))
            response.raise_for_status()

        started = time.perf_counter()
        failed = await _workers(call)
        return time.perf_counter() - started, failed, ""


def official_round(server: LimitedServer) -> tuple[float, int, str]:
    import voucherify  # type: ignore[import-not-found]

    configuration = voucherify.Configuration(
        host=server.base_url,
        api_key={"X-App-Id": KEYS["X-App-Id"], "X-App-Token": KEYS["X-App-Token"]},
    )
    configuration.connection_pool_maxsize = WORKERS
    failed = 0
    lock = threading.Lock()
    with voucherify.ApiClient(configuration) as api_client:
        api = voucherify.CustomersApi(api_client)

        def call(_: int) -> None:
            nonlocal failed
            try:
                api.get_customer(CUSTOMER_ID)
            except Exception:
                with lock:
                    failed += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(call, range(CALLS)))
        return time.perf_counter() - started, failed, ""


async def measure(server: LimitedServer, rounds: int) -> list[Row]:
    sides: list[tuple[Row, Callable[[], Awaitable[tuple[float, int, str]]]]] = [
        (Row("SDK default"), lambda: sdk_round(server)),
        (
            Row(f"SDK rate_limit=({LIMIT}, {WINDOW})"),
            lambda: sdk_round(server, rate_limit=(LIMIT, WINDOW)),
        ),
        (Row("raw httpx (429: sleep Retry-After, 2 retries)"), lambda: raw_round(server)),
    ]
    try:
        import voucherify  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        print(
            "official 6.1.1: skipped, `voucherify` is not installed (pip install voucherify==6.1.1)"
        )
    else:
        sides.append(
            (
                Row("official 6.1.1 (50 threads, no 429 retry)"),
                lambda: anyio.to_thread.run_sync(official_round, server),
            )
        )
    for _ in range(rounds):
        for row, run in sides:
            server.reset()
            await anyio.sleep(WINDOW)  # the previous round's window is over on both sides
            try:
                seconds, failed, note = await run()
            except TypeError as exc:  # an SDK without the option under test
                row.note = f"not run: {exc}"
                continue
            row.seconds.append(seconds)
            row.failed.append(failed)
            row.refused.append(server.stats()["refused"])
            row.note = note
    return [row for row in (side for side, _ in sides)]


def table(rows: list[Row], rounds: int) -> str:
    lines = [
        f"{CALLS} gets, {WORKERS} tasks, limit {LIMIT}/{WINDOW:g} s fixed window, "
        f"ideal {IDEAL:.1f} s, median of {rounds} rounds (failed, 429s: worst round)",
        "",
        "| client | seconds | x ideal | failed of 300 | 429s |",
        "|---|---|---|---|---|",
    ]
    notes = []
    for row in rows:
        if not row.seconds:
            lines.append(f"| {row.label} | - | - | - | - |")
        else:
            median = statistics.median(row.seconds)
            lines.append(
                f"| {row.label} | {median:.2f} | {median / IDEAL:.2f} "
                f"| {max(row.failed)} | {max(row.refused)} |"
            )
        if row.note:
            notes.append(f"- {row.label}: {row.note}")
    return "\n".join([*lines, "", *notes] if notes else lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per client")
    parser.add_argument(
        "--only", help="comma-separated scenarios (as benchmarks.run): runs if it has rate_limit"
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)  # `nox -s bench` passes benchmarks.run's options too
    if args.only is not None and "rate_limit" not in args.only.split(","):
        return
    if args.serve:
        import uvicorn

        uvicorn.run(
            LimitedApp(),
            host="127.0.0.1",
            port=args.serve,
            http="httptools",
            lifespan="off",
            access_log=False,
            log_level="warning",
        )
        return
    with LimitedServer() as server:
        rows = anyio.run(measure, server, args.rounds, backend="asyncio")
    print(table(rows, args.rounds))


if __name__ == "__main__":
    main()

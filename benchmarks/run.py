"""`nox -s bench` (or `python -m benchmarks.run`): our SDK against a plain httpx loop, A/B.

Scenarios, each on both transports (httpx's own; httpx over aiohttp):

- S1: 2,000 sequential `customers.get`.
- S2: 2,000 `customers.get` with 50 in flight.
- S3: `customers.iter_all` over 20,000 customers (items/s, peak RSS growth) - pagination.py.
- S4: 5,000 customers, 20 ms server latency and 20 ms of consumer work per page - pagination.py.
- import: `import voucherify_async` in a fresh interpreter (`-X importtime`).

`--with-official` adds the official `voucherify` SDK (sync, urllib3) where it has a counterpart.
The reference of each row is named in the table; ratios below 1 mean we are faster.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx

from benchmarks._harness import ROOT, Comparison, ab, table
from benchmarks._server import LoopbackServer
from voucherify_async import AsyncClient
from voucherify_async._transport import make_transport

BACKENDS = ("httpx", "aiohttp")
KEYS = {"X-App-Id": "bench-app", "X-App-Token": "bench-secret"}
CUSTOMER_ID = "cust_T849EgzNVVmn5icJ2FAkT2rO"


def our_client(server: LoopbackServer, backend: str) -> AsyncClient:
    """Our client as a user would build it, with the default retries and timeout."""
    return AsyncClient(
        KEYS["X-App-Id"], KEYS["X-App-Token"], base_url=server.base_url, http_backend=backend
    )


def raw_client(server: LoopbackServer, backend: str) -> httpx.AsyncClient:
    """A plain httpx client on the same transport, with the same headers."""
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers={**KEYS, "Accept": "application/json"},
        transport=make_transport(backend),
        timeout=30.0,
    )


async def _timed(run: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def _in_flight(count: int, concurrency: int, call: Callable[[], Awaitable[Any]]) -> None:
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)


def gets(server: LoopbackServer, backend: str, count: int, concurrency: int) -> tuple[Any, Any]:
    """The two sides of S1/S2: `count` gets with `concurrency` in flight, ours and raw."""
    path = f"/v1/customers/{CUSTOMER_ID}"

    async def ours() -> float:
        async with our_client(server, backend) as client:
            await client.customers.get(CUSTOMER_ID)  # connection and lazy set-up outside timing
            return await _timed(
                lambda: _in_flight(count, concurrency, lambda: client.customers.get(CUSTOMER_ID))
            )

    async def raw() -> float:
        async with raw_client(server, backend) as client:

            async def get() -> Any:
                response = await client.get(path)
                response.raise_for_status()
                return response.json()

            await get()
            return await _timed(lambda: _in_flight(count, concurrency, get))

    return ours, raw


def official_gets(server: LoopbackServer, count: int, concurrency: int) -> Any:
    """The official SDK's side of S1/S2: sync calls, in `concurrency` threads."""
    from concurrent.futures import ThreadPoolExecutor

    import voucherify  # type: ignore[import-not-found]

    configuration = voucherify.Configuration(
        host=server.base_url,
        api_key={"X-App-Id": KEYS["X-App-Id"], "X-App-Token": KEYS["X-App-Token"]},
    )
    configuration.connection_pool_maxsize = max(concurrency, 4)

    def run() -> float:
        with voucherify.ApiClient(configuration) as api_client:
            api = voucherify.CustomersApi(api_client)
            api.get_customer(CUSTOMER_ID)
            started = time.perf_counter()
            if concurrency == 1:
                for _ in range(count):
                    api.get_customer(CUSTOMER_ID)
            else:
                with ThreadPoolExecutor(concurrency) as pool:
                    list(pool.map(lambda _: api.get_customer(CUSTOMER_ID), range(count)))
            return time.perf_counter() - started

    async def official() -> float:
        return await anyio.to_thread.run_sync(run)

    return official


async def scenario_gets(
    server: LoopbackServer, args: argparse.Namespace, name: str, concurrency: int
) -> list[Comparison]:
    count = args.requests
    out = []
    target = "<= 1.10"
    for backend in args.backends:
        ours, raw = gets(server, backend, count, concurrency)
        comparison = Comparison(name, f"SDK/{backend}", f"raw httpx/{backend}", count, target)
        out.append(await ab(comparison, ours, raw, args.rounds))
    if args.with_official:
        backend = "aiohttp" if "aiohttp" in args.backends else args.backends[0]
        ours, _ = gets(server, backend, count, concurrency)
        official = official_gets(server, count, concurrency)
        want = "<= 1.0 (rate >= official)" if concurrency == 1 else "<= 0.67 (rate >= 1.5x)"
        comparison = Comparison(name, f"SDK/{backend}", "official 6.1.1", count, want)
        out.append(await ab(comparison, ours, official, args.rounds))
    return out


def import_times(module: str, runs: int) -> list[float]:
    """Seconds `import module` takes in fresh interpreters, from `-X importtime`'s top line."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        lines = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
        times.append(int(lines[-1].split("|")[1]) / 1e6)
    return times


def scenario_import(args: argparse.Namespace) -> list[Comparison]:
    runs = max(args.rounds, 5)
    ours = import_times("voucherify_async", runs)
    httpx_times = import_times("httpx", runs)
    comparison = Comparison("import", "voucherify_async", "httpx alone", 1, "ours <= 150 ms")
    comparison.ours, comparison.ref = ours, httpx_times
    comparison.notes.append(
        f"`import voucherify_async` median {statistics.median(ours) * 1000:.0f} ms "
        f"(min {min(ours) * 1000:.0f}), `import httpx` "
        f"{statistics.median(httpx_times) * 1000:.0f} ms"
    )
    return [comparison]


def _pagination_scenario(name: str) -> Any:
    """S3/S4 live in benchmarks/pagination.py (the pager's author keeps them next to the pager).

    Each is `async def scenario_x(server: LoopbackServer, args) -> list[Comparison]`, built on
    `benchmarks._harness` (`ab`, `Comparison`, `PeakRss`) and `LoopbackServer.configure`.
    """
    try:
        from benchmarks import pagination
    except ImportError:
        return None
    return getattr(pagination, name, None)


async def run_network(args: argparse.Namespace) -> list[Comparison]:
    results: list[Comparison] = []
    with LoopbackServer() as server:
        if "s1" in args.only:
            name = f"S1 get x{args.requests} sequential"
            results += await scenario_gets(server, args, name, 1)
        if "s2" in args.only:
            name = f"S2 get x{args.requests}, 50 in flight"
            results += await scenario_gets(server, args, name, 50)
        for key, scenario in (("s3", "scenario_walk"), ("s4", "scenario_overlap")):
            if key in args.only:
                run = _pagination_scenario(scenario)
                if run is None:
                    print(f"{key.upper()}: skipped, benchmarks/pagination.py has no {scenario}")
                else:
                    results += await run(server, args)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds per scenario (>= 3)")
    parser.add_argument("--requests", type=int, default=2000, help="gets per round in S1/S2")
    parser.add_argument("--customers", type=int, default=20000, help="customers walked in S3")
    parser.add_argument(
        "--only", default="s1,s2,s3,s4,import", help="comma-separated scenarios to run"
    )
    parser.add_argument("--backends", default=",".join(BACKENDS), help="transports to compare")
    parser.add_argument(
        "--with-official", action="store_true", help="compare with the official voucherify SDK"
    )
    parser.add_argument("--json", help="also write the raw round times to this file")
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    args.backends = [b for b in args.backends.split(",") if b]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = anyio.run(run_network, args, backend="asyncio")
    if "import" in args.only:
        results += scenario_import(args)
    print(table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([vars(c) for c in results], out, indent=1)


if __name__ == "__main__":
    main()

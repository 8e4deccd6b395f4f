"""`nox -s bench` (or `python -m benchmarks.run`): our SDK against a plain httpx loop, A/B.

The SDK is measured as a user installs it: `pip install voucherify-async`, no extra (the nox
session installs it so; `plain_install()` prints what is installed and refuses to run with
`$VOUCHERIFY_HTTP_BACKEND` set), and built as a user builds it, `AsyncClient(app_id, secret_key,
base_url=...)`: on asyncio that is httpx over aiohttp. Each scenario runs on that default
transport and on httpx's own (the "httpx" rows: the cost of the trio path, and of
`http_backend="httpx"`), each against a raw httpx loop on the same transport.

- S1: 2,000 sequential `customers.get`.
- S2: 2,000 `customers.get` with 50 in flight.
- S3: `customers.iter_all` over 20,000 customers (items/s, peak memory) - pagination.py.
- S4: 5,000 customers, 20 ms server latency and 20 ms of consumer work per page - pagination.py.
- import: `import voucherify_async` vs `import httpx`, alternately in fresh interpreters
  (`-X importtime`), medians; click is hidden, as on a machine with only the SDK installed (the
  bench extra's uvicorn brings it, and `import httpx` then loads httpx's command line).

`--with-official` adds the official `voucherify` SDK (sync, urllib3; S2 in 50 threads) where it
has a counterpart, against our default transport. The reference of each row is named in the
table; ratios below 1 mean we are faster.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import anyio
import httpx

from benchmarks._harness import ROOT, Comparison, ab, table
from benchmarks._server import LoopbackServer
from voucherify_async import AsyncClient
from voucherify_async._transport import (
    HTTP_BACKEND_ENV,
    HttpBackend,
    make_transport,
    resolve_backend,
)

DEFAULT = "default"
"""The transport a user gets without asking for one (aiohttp on asyncio)."""
TRANSPORTS = (DEFAULT, "httpx")
KEYS = {"X-App-Id": "bench-app", "X-App-Token": "bench-secret"}
CUSTOMER_ID = "cust_T849EgzNVVmn5icJ2FAkT2rO"
DISTRIBUTION = "voucherify-async"


def _http_backend(transport: str) -> HttpBackend | None:
    return None if transport == DEFAULT else cast(HttpBackend, transport)


def label(transport: str) -> str:
    """`aiohttp (default)` or the transport asked for; call it inside the running loop."""
    if transport == DEFAULT:
        return f"{resolve_backend(None)} (default)"
    return transport


def our_client(server: LoopbackServer, transport: str) -> AsyncClient:
    """Our client as a user builds it: default retries and timeout, and the default transport
    unless `transport` names one (`http_backend=`)."""
    if transport == DEFAULT:
        return AsyncClient(KEYS["X-App-Id"], KEYS["X-App-Token"], base_url=server.base_url)
    return AsyncClient(
        KEYS["X-App-Id"],
        KEYS["X-App-Token"],
        base_url=server.base_url,
        http_backend=_http_backend(transport),
    )


def raw_client(server: LoopbackServer, transport: str) -> httpx.AsyncClient:
    """A plain httpx client on the same transport as `our_client`, with the same headers."""
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers={**KEYS, "Accept": "application/json"},
        transport=make_transport(_http_backend(transport)),
        timeout=30.0,
    )


def plain_install() -> str:
    """What the benchmark measures: the installed SDK and the dependencies it pulls without an
    extra. Exits when `$VOUCHERIFY_HTTP_BACKEND` would change the default transport."""
    from importlib import metadata

    if os.environ.get(HTTP_BACKEND_ENV):
        sys.exit(f"unset {HTTP_BACKEND_ENV}: the benchmark measures the default transport")
    requires = metadata.requires(DISTRIBUTION) or []
    names = [re.split(r"[ <>=!;\[]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r]
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in names)
    return (
        f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}, as `pip install {DISTRIBUTION}` "
        f"installs it (no extra): {versions}"
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


def gets(server: LoopbackServer, transport: str, count: int, concurrency: int) -> tuple[Any, Any]:
    """The two sides of S1/S2: `count` gets with `concurrency` in flight, ours and raw."""
    path = f"/v1/customers/{CUSTOMER_ID}"

    async def ours() -> float:
        async with our_client(server, transport) as client:
            await client.customers.get(CUSTOMER_ID)  # connection and lazy set-up outside timing
            return await _timed(
                lambda: _in_flight(count, concurrency, lambda: client.customers.get(CUSTOMER_ID))
            )

    async def raw() -> float:
        async with raw_client(server, transport) as client:

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
    for transport in args.transports:
        ours, raw = gets(server, transport, count, concurrency)
        comparison = Comparison(
            name, f"SDK/{label(transport)}", f"raw httpx/{label(transport)}", count, "<= 1.10"
        )
        out.append(await ab(comparison, ours, raw, args.rounds))
    if args.with_official:
        ours, _ = gets(server, DEFAULT, count, concurrency)
        official = official_gets(server, count, concurrency)
        if concurrency == 1:
            reference, want = "official 6.1.1", "<= 1.00"
        else:
            reference, want = f"official 6.1.1, {concurrency} threads", "<= 0.67"
        comparison = Comparison(name, f"SDK/{label(DEFAULT)}", reference, count, want)
        out.append(await ab(comparison, ours, official, args.rounds))
    return out


def _with_bytecode() -> dict[str, str]:
    """The environment minus `$PYTHONDONTWRITEBYTECODE`: a user's install imports cached bytecode.

    With it set, our package would be compiled from source on every run while httpx (installed
    compiled) loads its bytecode: an unfair comparison.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# As `pip install voucherify-async` leaves a machine: without click, which the bench extra's uvicorn
# brings and which makes `import httpx` load httpx's command line too (~14 ms on both sides).
_AS_INSTALLED = "import sys; sys.modules['click'] = None; "


def _fresh(code: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter as a plain install has it: click hidden, bytecode on."""
    return subprocess.run(
        [sys.executable, *options, "-c", _AS_INSTALLED + code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_with_bytecode(),
    )


def import_time(module: str) -> float:
    """Seconds `import module` takes in a fresh interpreter, from `-X importtime`'s last line."""
    done = _fresh(f"import {module}", "-X", "importtime")
    lines = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
    return int(lines[-1].split("|")[1]) / 1e6


def heavy_imports(module: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` importing `module` pulls in (in a fresh interpreter)."""
    probe = f"import sys, {module}; print(' '.join(n for n in {names!r} if n in sys.modules))"
    return _fresh(probe).stdout.split()


def models_time() -> float:
    """Seconds the first use of a model adds after `import voucherify_async` (fresh interpreter)."""
    probe = (
        "import time, voucherify_async; started = time.perf_counter(); "
        "voucherify_async.Customer; print(time.perf_counter() - started)"
    )
    return float(_fresh(probe).stdout)


def scenario_import(args: argparse.Namespace) -> list[Comparison]:
    ours: list[float] = []
    httpx_times: list[float] = []
    import_time("voucherify_async")  # writes the bytecode the measured runs load
    import_time("httpx")
    for _ in range(args.import_runs):  # alternated, so drift hits both sides alike
        ours.append(import_time("voucherify_async"))
        httpx_times.append(import_time("httpx"))
    comparison = Comparison("import", "voucherify_async", "httpx alone", 1, "<= 1.50")
    comparison.ours, comparison.ref = ours, httpx_times
    lazy = heavy_imports(
        "voucherify_async", ("aiohttp", "importlib.metadata", "yarl", "voucherify_async._models")
    )
    models = statistics.median(models_time() for _ in range(args.import_runs))
    comparison.notes.append(
        f"median of {args.import_runs} fresh interpreters each, click hidden as on a plain "
        f"install: `import voucherify_async` {statistics.median(ours) * 1000:.0f} ms "
        f"(min {min(ours) * 1000:.0f}), `import httpx` "
        f"{statistics.median(httpx_times) * 1000:.0f} ms (min {min(httpx_times) * 1000:.0f}); "
        f"imported by `import voucherify_async` of aiohttp, importlib.metadata, yarl, the models: "
        f"{', '.join(lazy) or 'none'}; the models load with the first client or model used, "
        f"+{models * 1000:.0f} ms"
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


def _progress(rows: list[Comparison]) -> list[Comparison]:
    """Show a scenario's rows as soon as it is done (on stderr; the full table ends stdout)."""
    print(table(rows), file=sys.stderr, flush=True)
    return rows


async def run_network(args: argparse.Namespace) -> list[Comparison]:
    results: list[Comparison] = []
    with LoopbackServer() as server:
        if "s1" in args.only:
            name = f"S1 get x{args.requests} sequential"
            results += _progress(await scenario_gets(server, args, name, 1))
        if "s2" in args.only:
            name = f"S2 get x{args.requests}, 50 in flight"
            results += _progress(await scenario_gets(server, args, name, 50))
        for key, scenario in (("s3", "scenario_walk"), ("s4", "scenario_overlap")):
            if key in args.only:
                run = _pagination_scenario(scenario)
                if run is None:
                    print(f"{key.upper()}: skipped, benchmarks/pagination.py has no {scenario}")
                else:
                    results += _progress(await run(server, args))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds per scenario (>= 3)")
    parser.add_argument("--requests", type=int, default=2000, help="gets per round in S1/S2")
    parser.add_argument("--customers", type=int, default=20000, help="customers walked in S3")
    parser.add_argument(
        "--only", default="s1,s2,s3,s4,import", help="comma-separated scenarios to run"
    )
    parser.add_argument(
        "--transports",
        default=",".join(TRANSPORTS),
        help="transports to measure: default (what AsyncClient() picks), httpx, aiohttp",
    )
    parser.add_argument("--import-runs", type=int, default=11, help="interpreters per side")
    parser.add_argument(
        "--with-official", action="store_true", help="compare with the official voucherify SDK"
    )
    parser.add_argument("--json", help="also write the raw round times to this file")
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    args.transports = [t for t in args.transports.split(",") if t]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(plain_install(), flush=True)
    results = anyio.run(run_network, args, backend="asyncio")
    if "import" in args.only:
        results += scenario_import(args)
    print(table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([vars(c) for c in results], out, indent=1)


if __name__ == "__main__":
    main()

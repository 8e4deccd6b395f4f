"""S3 and S4: `customers.iter_all` against a hand-written raw httpx cursor loop (run by run.py).

- S3 (`scenario_walk`): walk `--customers` customers (~1.5 KB each, pages of 100) one item at a
  time, decoded into models, vs the raw loop's `response.json()` on the same transport; items/s,
  and a row of peak RSS growth per round (target: about three decoded pages).
- S4 (`scenario_overlap`): 5,000 customers, 20 ms per page on the server and 20 ms of consumer
  work per page; our prefetch (`async with ... as pager`) vs the same consumer, sequential.

The loopback server's customers are 1 ms apart and its `starting_after` is strict, newest first.
Our walk re-reads the boundary millisecond (`starting_after` = last `created_at` + 1 ms, see
`_cursors.py`), so it gets 99 new customers a page; the raw loop sends the last `created_at`.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx

from benchmarks._harness import Comparison, PeakRss, Round, ab
from benchmarks._server import LoopbackServer
from benchmarks.run import DEFAULT, KEYS, label, our_client, raw_client

PAGE = 100
PATH = "/v1/customers"
OVERLAP_CUSTOMERS = 5000
LATENCY_MS = 20.0
WORK_S = 0.02  # the consumer's work per page in S4


async def raw_pages(client: httpx.AsyncClient) -> AsyncIterator[list[dict[str, Any]]]:
    """The loop a user writes by hand: follow `starting_after` while `has_more`."""
    params = {"limit": str(PAGE)}
    while True:
        response = await client.get(PATH, params=params)
        response.raise_for_status()
        body = response.json()
        yield body["customers"]
        if not body["has_more"]:
            return
        params["starting_after"] = body["customers"][-1]["created_at"]


async def memory(server: LoopbackServer) -> tuple[int, int, int]:
    """A page's bytes on the wire; Python's peak allocations (tracemalloc, untimed) while one
    page is fetched as models, and during a whole walk."""
    async with raw_client(server, DEFAULT) as raw:
        wire = len((await raw.get(PATH, params={"limit": str(PAGE)})).content)
    async with our_client(server, DEFAULT) as client:
        await client.customers.list(limit=PAGE)  # hooks and connection outside the measure
        peaks = []
        for walk_all in (False, True):
            tracemalloc.start()
            if walk_all:
                async for _customer in client.customers.iter_all(limit=PAGE):
                    pass
            else:
                await client.customers.list(limit=PAGE)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    return wire, peaks[0], peaks[1]


def walk(
    server: LoopbackServer, transport: str, total: int, growth: dict[str, list[int]]
) -> tuple[Round, Round]:
    """The two sides of S3; each round appends its peak RSS growth to `growth[side]`."""

    async def ours() -> float:
        async with our_client(server, transport) as client:
            await client.customers.list(limit=1)  # connection and lazy set-up outside timing
            rss, count = PeakRss(), 0
            started = time.perf_counter()
            async for _customer in client.customers.iter_all(limit=PAGE):
                count += 1
                if count % PAGE == 0:
                    rss.sample()
            elapsed = time.perf_counter() - started
        assert count == total, count
        growth["ours"].append(rss.growth)
        return elapsed

    async def raw() -> float:
        async with raw_client(server, transport) as client:
            await client.get(PATH, params={"limit": "1"})
            rss, count = PeakRss(), 0
            started = time.perf_counter()
            async for page in raw_pages(client):
                for _customer in page:
                    count += 1
                rss.sample()
            elapsed = time.perf_counter() - started
        assert count == total, count
        growth["raw"].append(rss.growth)
        return elapsed

    return ours, raw


def official_walk(server: LoopbackServer, total: int) -> Round:
    """The official SDK's `list_customers` loop, the raw loop's cursor (sync, in a thread)."""
    import voucherify  # type: ignore[import-not-found]

    configuration = voucherify.Configuration(
        host=server.base_url,
        api_key={"X-App-Id": KEYS["X-App-Id"], "X-App-Token": KEYS["X-App-Token"]},
    )

    def run() -> float:
        with voucherify.ApiClient(configuration) as api_client:
            api = voucherify.CustomersApi(api_client)
            api.list_customers(limit=1)
            count, after = 0, None
            started = time.perf_counter()
            while True:
                page = api.list_customers(limit=PAGE, starting_after=after)
                for _customer in page.customers:
                    count += 1
                if not page.has_more:
                    break
                after = page.customers[-1].created_at
            elapsed = time.perf_counter() - started
        assert count == total, count
        return elapsed

    async def official() -> float:
        return await anyio.to_thread.run_sync(run)

    return official


def _mb(size: float) -> str:
    return f"{size / 1e6:.2f} MB"


async def scenario_walk(server: LoopbackServer, args: argparse.Namespace) -> list[Comparison]:
    total = args.customers
    server.configure(total=total)
    wire, decoded, traced = await memory(server)
    name = f"S3 iter_all x{total:,}"
    out = []
    for transport in args.transports:
        growth: dict[str, list[int]] = {"ours": [], "raw": []}
        ours, raw = walk(server, transport, total, growth)
        comparison = Comparison(
            name, f"SDK/{label(transport)}", f"raw httpx/{label(transport)}", total, "<= 1.30"
        )
        await ab(comparison, ours, raw, args.rounds)
        out.append(comparison)
        warm_up, *rounds = growth["ours"]
        comparison.notes.append(
            f"{label(transport)}: peak RSS growth of our walk per round "
            f"{', '.join(_mb(g) for g in rounds)} (warm-up {_mb(warm_up)}), of the raw loop "
            f"{', '.join(_mb(g) for g in growth['raw'])}"
        )
    peak = Comparison(
        f"S3 peak memory x{total:,}",
        f"SDK/{label(DEFAULT)}, whole walk",
        "3 decoded pages",
        total,
        "<= 1.00",
        ours=[float(traced)],
        ref=[3.0 * decoded],
        unit="B",
    )
    peak.notes.append(
        f"tracemalloc's peak over a whole walk {_mb(traced)} = {traced / decoded:.1f} decoded "
        f"pages; a page of {PAGE} is {wire:,} bytes on the wire and peaks at {_mb(decoded)} "
        "while fetched and decoded into models"
    )
    out.append(peak)
    if args.with_official:
        ours, _ = walk(server, DEFAULT, total, {"ours": [], "raw": []})
        comparison = Comparison(
            name, f"SDK/{label(DEFAULT)}", "official 6.1.1", total, "<= 0.40 (rate >= 2.5x)"
        )
        out.append(await ab(comparison, ours, official_walk(server, total), args.rounds))
    return out


def overlap(server: LoopbackServer, transport: str, pages: dict[str, int]) -> tuple[Round, Round]:
    """The two sides of S4: 20 ms of work per page, with our prefetch and sequentially."""

    async def ours() -> float:
        async with our_client(server, transport) as client:
            await client.customers.list(limit=1)
            count = 0
            started = time.perf_counter()
            async with client.customers.iter_all(limit=PAGE) as pager:
                async for _page in pager.pages():
                    count += 1
                    await anyio.sleep(WORK_S)
            elapsed = time.perf_counter() - started
        pages["ours"] = count
        return elapsed

    async def raw() -> float:
        async with raw_client(server, transport) as client:
            await client.get(PATH, params={"limit": "1"})
            count = 0
            started = time.perf_counter()
            async for _page in raw_pages(client):
                count += 1
                await anyio.sleep(WORK_S)
            elapsed = time.perf_counter() - started
        pages["raw"] = count
        return elapsed

    return ours, raw


async def scenario_overlap(server: LoopbackServer, args: argparse.Namespace) -> list[Comparison]:
    total = OVERLAP_CUSTOMERS
    server.configure(total=total, latency_ms=LATENCY_MS)
    name = f"S4 prefetch x{total:,}, 20+20 ms/page"
    out = []
    try:
        for transport in args.transports:
            pages: dict[str, int] = {}
            ours, raw = overlap(server, transport, pages)
            comparison = Comparison(
                name,
                f"SDK/{label(transport)}",
                f"raw httpx/{label(transport)}",
                total,
                "<= 0.65 (overlapping)",
            )
            await ab(comparison, ours, raw, args.rounds)
            sequential = pages["raw"] * (LATENCY_MS / 1000 + WORK_S)
            comparison.notes.append(
                f"{label(transport)}: {pages['ours']} pages ours, {pages['raw']} raw; "
                f"sequential sum {pages['raw']} x 40 ms = {sequential * 1000:.0f} ms, "
                f"fully overlapped ~{pages['ours'] * max(LATENCY_MS / 1000, WORK_S) * 1000:.0f} ms"
            )
            out.append(comparison)
    finally:
        server.configure(total=0)
    return out

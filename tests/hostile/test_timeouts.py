"""A float `timeout` bounds each attempt, connect to last byte (issue 11, item 6).

A loopback server drips the body one byte at a time: httpx's per-read timeout never trips, so
before the fix a `timeout=1` call lasted as long as the server liked. Now the attempt fails with
`APITimeoutError` once its budget is spent, on every transport (the client's own pool, which the
`--http-backend` switch sets, httpx's explicitly, and a caller's `http_client`), and is retried
only when the request is safe to replay. An `httpx.Timeout` keeps httpx's per-phase meaning.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
import httpx
import pytest
from _fault_server import Sleeps
from _hostile_keys import APP_ID, SECRET_KEY
from _raw_server import RawServer, drip

from voucherify_async import APITimeoutError, AsyncClient

SHORT = json.dumps({"id": "cust_1", "object": "customer"}).encode()
TINY = b'{"id":"cust_1"}'  # 15 bytes a 0.02 s apart: at least 0.3 s in all
GUARD = 5.0  # far above every budget below; a hang fails the test instead of stalling the suite
# The tests that check what reached the server keep a 0.25-0.3 s budget: on a loaded machine the
# first connection of a test (aiohttp resolves in a thread) can take 0.15 s. The others only
# need a budget that trips long before the drip ends and 5x a read's wait: BUDGET and DRIP.
BUDGET = 0.15
DRIP = BUDGET / 5


@asynccontextmanager
async def _client(pool: str, url: str, **kwargs: Any) -> AsyncIterator[AsyncClient]:
    if pool == "caller":
        async with httpx.AsyncClient() as http:
            client = AsyncClient(APP_ID, SECRET_KEY, base_url=url, http_client=http, **kwargs)
            client._retry = attrs.evolve(client._retry, sleep=Sleeps())
            async with client:
                yield client
        return
    backend = {"httpx": "httpx", "own": None}[pool]
    client = AsyncClient(APP_ID, SECRET_KEY, base_url=url, http_backend=backend, **kwargs)
    client._retry = attrs.evolve(client._retry, sleep=Sleeps())
    async with client:
        yield client


POOLS = ["own", "httpx", "caller"]


@pytest.mark.parametrize("pool", POOLS)
async def test_a_dripping_server_cannot_stretch_an_attempt(pool: str) -> None:
    with RawServer(drip(0.1)) as server:
        async with _client(pool, server.url, timeout=0.3, max_retries=0) as client:
            started = time.monotonic()
            with anyio.fail_after(GUARD), pytest.raises(APITimeoutError) as caught:
                await client.customers.get("alice")
            elapsed = time.monotonic() - started
    assert elapsed >= 0.25
    assert "0.3 s timeout" in str(caught.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize("pool", POOLS)
async def test_each_retry_gets_the_budget_and_a_bulk_post_is_not_repeated(pool: str) -> None:
    with RawServer(drip(0.1)) as server:
        async with _client(pool, server.url, timeout=0.25, max_retries=1) as client:
            with anyio.fail_after(GUARD), pytest.raises(APITimeoutError, match="after 2 attempts"):
                await client.customers.get("alice")
            with anyio.fail_after(GUARD), pytest.raises(APITimeoutError, match="may have executed"):
                await client.customers.update_in_bulk([{"source_id": "a", "name": "A"}])
    assert [r.method for r in server.requests] == ["GET", "GET", "POST"]


@pytest.mark.parametrize("pool", POOLS)
async def test_with_options_sets_the_budget_too(pool: str) -> None:
    with RawServer(drip(DRIP)) as server:
        async with _client(pool, server.url, timeout=30.0, max_retries=0) as client:
            with anyio.fail_after(GUARD), pytest.raises(APITimeoutError):
                await client.with_options(timeout=BUDGET).customers.get("alice")


@pytest.mark.parametrize("pool", ["own", "caller"])
async def test_an_httpx_timeout_keeps_its_per_phase_meaning(pool: str) -> None:
    """Each read is within 0.25 s, so the call completes although it takes longer in all."""
    with RawServer(drip(0.02, TINY)) as server:
        async with _client(pool, server.url, timeout=httpx.Timeout(0.25), max_retries=0) as client:
            started = time.monotonic()
            with anyio.fail_after(GUARD):
                customer = await client.customers.get("alice")
            elapsed = time.monotonic() - started
    assert customer.id == "cust_1"
    assert elapsed > 0.25


async def test_a_fast_answer_is_unaffected_by_the_budget() -> None:
    with RawServer(drip(0.0, SHORT)) as server:
        async with _client("own", server.url, timeout=2.0) as client:
            for _ in range(3):
                assert (await client.customers.get("alice")).id == "cust_1"


@pytest.mark.parametrize("value", [math.nan, -1.0, 0, -math.inf])
def test_a_timeout_that_is_not_a_positive_number_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        AsyncClient(APP_ID, SECRET_KEY, timeout=value)
    client = AsyncClient(APP_ID, SECRET_KEY, transport=httpx.MockTransport(lambda r: None))  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="timeout"):
        client.with_options(timeout=value)


@pytest.mark.parametrize("value", ["1", True, [1]])
def test_a_timeout_of_another_type_is_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="timeout"):
        AsyncClient(APP_ID, SECRET_KEY, timeout=value)


@pytest.mark.parametrize("pool", POOLS)
async def test_the_callers_own_deadline_stays_a_cancellation(pool: str) -> None:
    """A caller's shorter deadline cancels the call; it is not turned into APITimeoutError."""
    with RawServer(drip(DRIP)) as server:
        async with _client(pool, server.url, timeout=5.0, max_retries=0) as client:
            with anyio.move_on_after(BUDGET) as scope:
                await client.customers.get("alice")
            assert scope.cancelled_caught
            with anyio.fail_after(GUARD), pytest.raises(APITimeoutError):
                await client.with_options(timeout=BUDGET).customers.get("alice")


def test_no_budget_for_an_infinite_or_per_phase_timeout() -> None:
    from voucherify_async._timeouts import attempt_budget

    assert attempt_budget(math.inf) is None
    assert attempt_budget(None) is None
    assert attempt_budget(httpx.Timeout(1.0)) is None
    assert attempt_budget(2) == 2.0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_asyncio_deadline_translates_only_itself(anyio_backend: str) -> None:
    """The aiohttp transport's budget is an `asyncio.timeout`: a `TimeoutError` from inside it,
    before the budget is spent, is the transport's own and passes through as it is."""
    import asyncio

    from voucherify_async._timeouts import AttemptTimeout, within_budget

    request = httpx.Request("GET", "https://api.voucherify.io/v1/customers/alice")

    async def inner_timeout() -> None:
        raise TimeoutError("the transport's own")

    with pytest.raises(TimeoutError, match="the transport's own") as caught:
        await within_budget(5.0, request, inner_timeout, asyncio_only=True)
    assert not isinstance(caught.value, AttemptTimeout)

    with anyio.fail_after(GUARD), pytest.raises(AttemptTimeout):
        await within_budget(0.05, request, lambda: asyncio.sleep(10), asyncio_only=True)
    assert await within_budget(5.0, request, lambda: asyncio.sleep(0, "done"), asyncio_only=True)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_default_transport_on_asyncio_uses_the_asyncio_deadline(
    anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOUCHERIFY_HTTP_BACKEND", raising=False)
    async with AsyncClient(APP_ID, SECRET_KEY) as own:
        assert own._asyncio_only
    async with AsyncClient(APP_ID, SECRET_KEY, http_backend="httpx") as on_httpx:
        assert not on_httpx._asyncio_only

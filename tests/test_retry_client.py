"""Retries, options and the concurrency cap as `AsyncClient._send` applies them (in-process)."""

from __future__ import annotations

import io
from collections.abc import Callable

import anyio
import httpx
import pytest
from _fault_server import APP_ID, SECRET_KEY, Sleeps

from voucherify_async import APIConnectionError, APITimeoutError, AsyncClient, RateLimitError

BASE = "https://api.test"
CUSTOMER = {"id": "cust_1", "object": "customer"}
REF = {"async_action_id": "aa_1"}

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, sleeps: Sleeps | None = None, **options: object) -> AsyncClient:
    client = AsyncClient(
        APP_ID, SECRET_KEY, base_url=BASE, transport=httpx.MockTransport(handler), **options
    )  # type: ignore[arg-type]
    return (sleeps or Sleeps()).install(client)


class Script:
    """A MockTransport handler: raise or answer from a list, then answer `last` forever."""

    def __init__(self, *steps: httpx.Response | Exception, last: httpx.Response) -> None:
        self.steps = list(steps)
        self.last = last
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        step = self.steps.pop(0) if self.steps else self.last
        if isinstance(step, Exception):
            raise step
        return step


def ok(payload: object = CUSTOMER, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


async def test_connect_error_on_bulk_post_is_retried() -> None:
    script = Script(httpx.ConnectError("refused"), last=ok(REF, 202))
    async with client_for(script) as client:
        ref = await client.customers.update_in_bulk([{"source_id": "a"}])
    assert ref.async_action_id == "aa_1"
    assert len(script.requests) == 2


async def test_connect_timeout_on_permanent_deletion_is_retried() -> None:
    script = Script(httpx.ConnectTimeout("slow"), last=ok({"id": "del_1"}))
    async with client_for(script) as client:
        await client.customers.delete_permanently("c")
    assert len(script.requests) == 2


async def test_connect_errors_persisting_raise_connection_error_after_retries() -> None:
    script = Script(last=ok())
    script.steps = [httpx.ConnectError("refused")] * 3
    async with client_for(script) as client:
        with pytest.raises(APIConnectionError, match="after 3 attempts"):
            await client.customers.get("c")
    assert len(script.requests) == 3


async def test_pool_timeout_is_not_retried() -> None:
    script = Script(httpx.PoolTimeout("busy"), last=ok())
    async with client_for(script) as client:
        with pytest.raises(APITimeoutError):
            await client.customers.get("c")
    assert len(script.requests) == 1


async def test_stream_that_cannot_rewind_is_not_resent_after_429() -> None:
    class OneWay(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return 0

    script = Script(ok({"code": 429}, 429, **{"Retry-After": "1"}), last=ok(REF, 202))
    async with client_for(script) as client:
        with pytest.raises(RateLimitError):
            await client.customers.import_csv(OneWay())  # type: ignore[arg-type]
    assert len(script.requests) == 1


async def test_with_options_max_retries_zero_sends_once() -> None:
    script = Script(ok({"code": 503}, 503), last=ok())
    async with client_for(script) as client:
        with pytest.raises(Exception, match="503"):
            await client.with_options(max_retries=0).customers.get("c")
    assert len(script.requests) == 1


async def test_with_options_timeout_applies_to_the_copy_only() -> None:
    script = Script(last=ok())
    async with client_for(script, timeout=30.0) as client:
        await client.with_options(timeout=2.5).customers.get("c")
        await client.customers.get("c")
    timeouts = [r.extensions["timeout"]["read"] for r in script.requests]
    assert timeouts == [2.5, 30.0]


def test_with_options_leaves_the_original_settings_alone() -> None:
    client = AsyncClient(APP_ID, SECRET_KEY, max_retries=2, timeout=30.0)
    copy = client.with_options(max_retries=5, timeout=1.0)
    assert (copy.max_retries, copy.timeout.read) == (5, 1.0)
    assert (client.max_retries, client.timeout.read) == (2, 30.0)


def test_with_options_rejects_a_negative_max_retries() -> None:
    client = AsyncClient(APP_ID, SECRET_KEY)
    with pytest.raises(ValueError, match="max_retries"):
        client.with_options(max_retries=-1)


async def test_closing_a_copy_leaves_the_shared_pool_open() -> None:
    script = Script(last=ok())
    async with client_for(script) as client:
        async with client.with_options(max_retries=0) as copy:
            await copy.customers.get("c")
        assert copy.is_closed
        await client.customers.get("c")
    assert len(script.requests) == 2


async def test_closing_the_owner_closes_its_copies() -> None:
    client = client_for(Script(last=ok()))
    copy = client.with_options(timeout=1.0)
    await client.aclose()
    assert copy.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        await copy.customers.get("c")


async def test_last_rate_limit_holds_the_latest_rate_limit_headers() -> None:
    headers = {"X-Rate-Limit-Limit": "2000", "X-Rate-Limit-Remaining": "1999"}
    script = Script(last=ok(**headers))
    async with client_for(script) as client:
        assert client.last_rate_limit is None
        await client.customers.get("c")
        info = client.last_rate_limit
    assert info is not None
    assert (info.limit, info.remaining) == (2000, 1999)


async def test_last_rate_limit_is_shared_with_copies() -> None:
    script = Script(last=ok(**{"X-Rate-Limit-Remaining": "7"}))
    async with client_for(script) as client:
        await client.with_options(timeout=1.0).customers.get("c")
        assert client.last_rate_limit is not None
        assert client.last_rate_limit.remaining == 7


async def test_max_concurrency_caps_requests_in_flight() -> None:
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return ok()

    client = AsyncClient(
        APP_ID, SECRET_KEY, base_url=BASE, transport=httpx.MockTransport(handler), max_concurrency=2
    )
    async with client, anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(client.customers.get, "c")
    assert peak == 2


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_max_concurrency_must_be_a_positive_int(value: object) -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        AsyncClient(APP_ID, SECRET_KEY, max_concurrency=value)  # type: ignore[arg-type]

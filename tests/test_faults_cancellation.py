"""Cancelling the caller stops the request at once, frees its connection and is never retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

import anyio
import httpx
import pytest
from _fault_server import (
    FaultServer,
    Hang,
    client_on_pool,
    error_reply,
    make_client,
    running_server,
)

from voucherify_async import AsyncClient

GUARD = 10  # seconds; a test that hangs fails here instead of blocking the suite
RETRY_AFTER = 30  # seconds; the retry wait a cancellation must cut short


async def until(ready: Callable[[], object]) -> None:
    """Return once `ready()` holds (a fixed delay fails under load: the client may not be there).

    Polled: the server runs in a thread, and a log record comes with no event to wait on.
    """
    while not ready():  # noqa: ASYNC110
        await anyio.sleep(0.01)


async def cancel_once_arrived(server: FaultServer, scope: anyio.CancelScope) -> None:
    """Cancel `scope` once the request reached the server."""
    await until(lambda: server.requests)
    scope.cancel()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as state:
        yield state


async def test_cancel_scope_cancels_the_request_in_flight(server: FaultServer) -> None:
    server.script.append(Hang())
    async with make_client(server, timeout=60.0) as client:
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as group:
                with anyio.CancelScope() as scope:
                    group.start_soon(cancel_once_arrived, server, scope)
                    await client.customers.get("alice")
        assert scope.cancelled_caught
    assert len(server.requests) == 1


async def test_cancelled_request_frees_its_connection_for_the_next_call(
    server: FaultServer,
) -> None:
    server.script.append(Hang())
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(limits=limits) as pool:
        client = client_on_pool(server, pool, httpx.Timeout(60.0, pool=2.0))
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as group:
                with anyio.CancelScope() as scope:
                    group.start_soon(cancel_once_arrived, server, scope)
                    await client.customers.get("alice")
        with anyio.fail_after(GUARD):
            customer = await client.customers.get("alice")
    assert customer.id == "cust_1"
    assert len(server.requests) == 2


async def test_cancellation_during_the_retry_wait_stops_at_once(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="voucherify_async")
    retry_after = ("Retry-After", str(RETRY_AFTER))
    server.script.append(error_reply(503, "service_unavailable", retry_after))
    cancelled: list[float] = []

    def waiting() -> bool:  # "retrying" is logged as the wait begins
        return any("retrying" in r.getMessage() for r in caplog.records)

    async def cancel_once_waiting(scope: anyio.CancelScope) -> None:
        await until(waiting)
        cancelled.append(anyio.current_time())
        scope.cancel()

    async with make_client(server, timeout=60.0) as client:
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as group:
                with anyio.CancelScope() as scope:
                    group.start_soon(cancel_once_waiting, scope)
                    await client.customers.get("alice")
                stopped = anyio.current_time()
    assert scope.cancelled_caught
    assert stopped - cancelled[0] < RETRY_AFTER / 10  # at once: well before the wait would end
    assert len(server.requests) == 1
    assert ["retrying" in r.getMessage() for r in caplog.records] == [True]


async def test_cancelling_the_task_group_is_not_swallowed(server: FaultServer) -> None:
    server.script.append(Hang())
    finished: list[str] = []

    async def call(client: AsyncClient) -> None:
        await client.customers.get("alice")
        finished.append("returned")

    async with make_client(server, timeout=60.0) as client:
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as group:
                group.start_soon(call, client)
                await cancel_once_arrived(server, group.cancel_scope)
    assert finished == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asyncio_timeout_raises_timeout_error_not_an_sdk_error(
    server: FaultServer,
) -> None:
    server.script.append(Hang())
    deadline = asyncio.timeout(None)

    async def expire_once_arrived() -> None:
        await until(lambda: server.requests)
        deadline.reschedule(asyncio.get_running_loop().time())

    async with make_client(server, timeout=60.0) as client:
        with anyio.fail_after(GUARD):  # raises outside `pytest.raises`: a hang fails the test
            async with anyio.create_task_group() as group:
                group.start_soon(expire_once_arrived)
                with pytest.raises(TimeoutError) as caught:
                    async with deadline:
                        await client.customers.get("alice")
    assert type(caught.value) is TimeoutError
    assert len(server.requests) == 1

"""Leaving an `async with pager:` block while its prefetch request is in flight leaves nothing.

Each test holds the prefetched page on the server (it answers only once the client hangs up),
waits until that request has really arrived, then leaves the block one way or another: `break`,
an exception in the loop body, `CancelScope.cancel()`, `fail_after`, or `aclose()`. Afterwards
no task is left (asyncio's `all_tasks()`, trio's task tree), no further request arrives, and,
over a real loopback server, the held request's connection is closed and back in the pool.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import anyio
import httpx
import pytest
import sniffio
import uvicorn
from _list_server import BASE_URL, ListServer, rows_at

from voucherify_async import AsyncClient, AsyncPager, Customer
from voucherify_async.testing import FakeVoucherify

GUARD = 10  # seconds; a test that hangs fails here instead of blocking the suite
HELD = 2  # the request the server holds: the prefetch of page 2
Message = MutableMapping[str, Any]


class Boom(Exception):
    """Raised by a loop body."""


def live_tasks() -> set[object]:
    """Every task of the running event loop (asyncio) or of trio's task tree."""
    if sniffio.current_async_library() == "asyncio":
        return set(asyncio.all_tasks())
    import trio

    found: set[object] = set()
    pending = [trio.lowlevel.current_root_task()]
    while pending:
        task = pending.pop()
        found.add(task)
        for nursery in task.child_nurseries:
            pending.extend(nursery.child_tasks)
    return found


async def wait_for(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(GUARD):
        while not condition():  # noqa: ASYNC110 - set by another thread (the server)
            await anyio.sleep(0.005)


# -- how the block is left --------------------------------------------------------------------
# Each exit runs the loop over `pager` until the held request has arrived, then leaves.
Exit = Callable[[AsyncPager[Customer], Callable[[], Awaitable[None]]], Awaitable[None]]


async def leave_by_break(pager: AsyncPager[Customer], held: Callable[[], Awaitable[None]]) -> None:
    async with pager:
        async for _customer in pager:
            await held()
            break


async def leave_by_exception(
    pager: AsyncPager[Customer], held: Callable[[], Awaitable[None]]
) -> None:

    async def fail() -> None:
        async with pager:
            async for _customer in pager:
                await held()
                raise Boom

    with pytest.raises(Boom):  # as itself, not in an ExceptionGroup
        await fail()


async def leave_by_cancel_scope(
    pager: AsyncPager[Customer], held: Callable[[], Awaitable[None]]
) -> None:
    with anyio.CancelScope() as scope:
        async with pager:
            async for _customer in pager:
                await held()
                scope.cancel()
                await anyio.sleep(GUARD)  # cancelled at once
    assert scope.cancelled_caught


async def leave_by_fail_after(
    pager: AsyncPager[Customer], held: Callable[[], Awaitable[None]]
) -> None:

    async def wait_for_the_held_page(scope: anyio.CancelScope) -> None:
        async with pager:
            async for _customer in pager:
                await held()
                # Timed from the held page on, so a slow (loaded) machine cannot make it fire
                # while the first page is still being fetched.
                scope.deadline = min(scope.deadline, anyio.current_time() + 0.3)

    with pytest.raises(TimeoutError), anyio.fail_after(GUARD) as scope:
        await wait_for_the_held_page(scope)


async def leave_by_aclose(pager: AsyncPager[Customer], held: Callable[[], Awaitable[None]]) -> None:
    async with pager:
        async for _customer in pager:
            await held()
            await pager.aclose()
        assert [c async for c in pager] == []  # the walk is over


EXITS = [
    pytest.param(leave_by_break, id="break"),
    pytest.param(leave_by_exception, id="exception"),
    pytest.param(leave_by_cancel_scope, id="cancel-scope"),
    pytest.param(leave_by_fail_after, id="fail-after"),
    pytest.param(leave_by_aclose, id="aclose"),
]


# -- in process: httpx.MockTransport with a held page -------------------------------------------


class HeldPages:
    """`ListServer` behind an async handler that holds request `HELD` until cancelled."""

    def __init__(self) -> None:
        self.server = ListServer(rows_at(range(500)))
        self.arrived = 0
        self.abandoned = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.arrived += 1
        if self.arrived == HELD:
            try:
                await anyio.sleep(GUARD * 10)
            finally:
                self.abandoned += 1
        return self.server.handler(request)

    def client(self) -> AsyncClient:
        transport = httpx.MockTransport(self.handle)
        return AsyncClient("app-id", "secret-key", base_url=BASE_URL, transport=transport)

    async def held(self) -> None:
        await wait_for(lambda: self.arrived >= HELD)


@pytest.mark.parametrize("leave", EXITS)
async def test_leaving_the_block_with_the_prefetch_in_flight_leaves_no_task_behind(
    leave: Exit,
) -> None:
    pages = HeldPages()
    async with pages.client() as client:
        baseline = live_tasks()
        with anyio.fail_after(GUARD):
            await leave(client.customers.iter_all(limit=100), pages.held)
        assert live_tasks() == baseline
    assert pages.abandoned == 1


@pytest.mark.parametrize("leave", EXITS)
async def test_no_request_is_sent_after_leaving_the_block(leave: Exit) -> None:
    pages = HeldPages()
    async with pages.client() as client:
        with anyio.fail_after(GUARD):
            await leave(client.customers.iter_all(limit=100), pages.held)
        await anyio.sleep(0.1)
    assert pages.arrived == HELD


async def test_cancelling_the_walking_task_from_outside_leaves_no_task_behind() -> None:
    pages = HeldPages()
    walked: list[str] = []

    async def walk(pager: AsyncPager[Customer]) -> None:
        async with pager:
            async for customer in pager:
                walked.append(customer.id or "")
                await anyio.sleep(GUARD)

    async with pages.client() as client:
        baseline = live_tasks()
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as group:
                group.start_soon(walk, client.customers.iter_all(limit=100))
                await pages.held()
                group.cancel_scope.cancel()
        assert live_tasks() == baseline
    assert len(walked) == 1
    assert pages.abandoned == 1


async def test_breaking_out_of_a_plain_loop_sends_no_further_request() -> None:
    pages = HeldPages()
    async with pages.client() as client:
        baseline = live_tasks()
        async for _customer in client.customers.iter_all(limit=100):
            break
        await anyio.sleep(0.1)
        assert live_tasks() == baseline
    assert pages.arrived == 1  # no prefetch without `async with`


# -- over loopback: the held request's connection -------------------------------------------------


class HoldingApp:
    """ASGI wrapper of a fake: holds request `HELD` until the client disconnects."""

    def __init__(self) -> None:
        self.fake = FakeVoucherify()
        self.arrived = 0
        self.disconnected = 0

    def reset(self) -> None:
        self.fake = FakeVoucherify()
        self.fake.seed_customers(250, step_ms=1)
        self.arrived = self.disconnected = 0

    async def __call__(
        self,
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        self.arrived += 1
        if self.arrived == HELD:
            await receive()  # the (empty) request body
            with anyio.move_on_after(GUARD):
                while (await receive())["type"] != "http.disconnect":
                    pass
                self.disconnected += 1
            return
        await self.fake.app(scope, receive, send)


class Loopback:
    """uvicorn serving a `HoldingApp` on 127.0.0.1 (its own thread and event loop)."""

    def __init__(self) -> None:
        self.app = HoldingApp()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="held-pages", daemon=True)

    def __enter__(self) -> Loopback:
        self.thread.start()
        deadline = time.monotonic() + GUARD
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=GUARD)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def loopback() -> Iterator[Loopback]:
    with Loopback() as server:
        yield server


@pytest.fixture
async def one_connection_client(loopback: Loopback) -> AsyncIterator[AsyncClient]:
    """A client on a pool of one connection: a connection not given back blocks the next call."""
    loopback.app.reset()
    credentials = loopback.app.fake.credentials
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as pool:
        yield AsyncClient(
            credentials.app_id,
            credentials.secret_key,
            base_url=loopback.url,
            http_client=pool,
            timeout=httpx.Timeout(GUARD, pool=2.0),
            max_retries=0,
        )


@pytest.mark.parametrize("leave", EXITS)
async def test_leaving_the_block_closes_the_prefetch_connection_and_frees_the_pool(
    loopback: Loopback, one_connection_client: AsyncClient, leave: Exit
) -> None:
    client = one_connection_client

    async def held() -> None:
        await wait_for(lambda: loopback.app.arrived >= HELD)

    with anyio.fail_after(GUARD):
        await leave(client.customers.iter_all(limit=100), held)
        await wait_for(lambda: loopback.app.disconnected == 1)
        customer = await client.customers.get("seed-00001")  # needs the pool's one connection
    assert customer.source_id == "seed-00001"
    assert loopback.app.arrived == HELD + 1

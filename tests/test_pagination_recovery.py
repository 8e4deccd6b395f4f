"""A walk that stops on an error goes on from where it stopped, and never looks finished early.

Also: a tie window that learns midway that the date filters include their bounds starts again
on the tied millisecond alone, so the neighbours never use up the 99 pages of the cap.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import anyio
import httpx
import pytest
from _list_server import BASE_URL, ListServer, rows_at

from voucherify_async import AsyncClient, AsyncPager, Customer, InternalServerError, VoucherifyError

TOTAL = 250


def failing_once(server: ListServer, at_request: int) -> Callable[[httpx.Request], httpx.Response]:
    """The server's handler, but request number `at_request` (1-based) answers 503 instead."""
    seen = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        if seen == at_request:
            return httpx.Response(503, json={"code": 503, "message": "Service Unavailable"})
        return server.handler(request)

    return handle


async def drain(pager: AsyncPager[Customer], into: list[str]) -> None:
    async for customer in pager:
        into.append(customer.id or "")


def client_on(handler: Callable[[httpx.Request], httpx.Response]) -> AsyncClient:
    return AsyncClient(
        "app-id",
        "secret-key",
        base_url=BASE_URL,
        max_retries=0,
        transport=httpx.MockTransport(handler),
    )


@pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])
async def test_iterating_again_after_an_api_error_yields_the_rest_exactly_once(
    prefetch: bool,
) -> None:
    server = ListServer(rows_at(range(TOTAL)))
    got: list[str] = []
    async with client_on(failing_once(server, at_request=2)) as client:
        pager = client.customers.iter_all(limit=100)
        async with pager if prefetch else nullcontext():
            with pytest.raises(InternalServerError):
                await drain(pager, got)
            assert len(got) == 100  # the first page, then the failed second request
            await drain(pager, got)

    assert got == server.expected()


async def test_a_step_cancelled_in_flight_is_sent_again_by_the_next_step() -> None:
    server = ListServer(rows_at(range(TOTAL)))
    release = anyio.Event()

    async def slow_second_page(request: httpx.Request) -> httpx.Response:
        if len(server.requests) == 1 and not release.is_set():
            await anyio.sleep(10)  # cancelled below, long before this ends
        return server.handler(request)

    got: list[str] = []
    async with AsyncClient(
        "app-id",
        "secret-key",
        base_url=BASE_URL,
        max_retries=0,
        transport=httpx.MockTransport(slow_second_page),
    ) as client:
        pager = client.customers.iter_all(limit=100)
        for _ in range(100):
            got.append((await pager.__anext__()).id or "")
        with anyio.move_on_after(0.05) as scope:
            await pager.__anext__()
        assert scope.cancelled_caught
        release.set()
        got += [customer.id or "" async for customer in pager]

    assert got == server.expected()
    assert len(server.requests) == 3  # the second request was never answered, then sent again


@pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])
async def test_a_walk_stopped_by_the_page_cap_raises_again_instead_of_ending(
    prefetch: bool,
) -> None:
    server = ListServer(rows_at(range(100)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=1, order="source_id")
        async with pager if prefetch else nullcontext():
            with pytest.raises(VoucherifyError, match="page 99"):
                await drain(pager, [])
            with pytest.raises(VoucherifyError, match="page 99"):
                await pager.__anext__()


@pytest.mark.parametrize("order", [None, "created_at"])
@pytest.mark.parametrize("cursor_inclusive", [False, True])
async def test_a_tie_of_99_pages_with_inclusive_filters_is_walked_whole(
    order: str | None, cursor_inclusive: bool
) -> None:
    # 198 customers in one millisecond (99 pages of 2) and one neighbour 1 ms away, on the side
    # the window reads first: only a window restarted on T alone fits the tie in 99 pages.
    neighbour = 1 if order is None else -1
    server = ListServer(
        rows_at([*[0] * 198, neighbour]), cursor_inclusive=cursor_inclusive, filter_inclusive=True
    )

    async with server.client() as client:
        got = [c.id async for c in client.customers.iter_all(limit=2, order=order)]

    assert got == server.expected(order)


async def test_the_page_cap_error_of_a_tie_names_the_limit_that_made_it() -> None:
    server = ListServer(rows_at([0] * 1000))

    async with server.client() as client:
        with pytest.raises(VoucherifyError, match=r"99 pages of 10 .*a larger limit"):
            await drain(client.customers.iter_all(limit=10), [])

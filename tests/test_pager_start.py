"""`AsyncPager.start()`, `.total` and `.requests` (issue 12 items 2 and 3).

`start()` fetches the first page eagerly so a web service can turn its errors into status codes
before it streams; iteration then begins with that page. `total` is the first page's `total`;
`requests` counts the page requests the walk sent. Checked on the wire: the requests the server
received.
"""

from __future__ import annotations

from contextlib import nullcontext

import anyio
import httpx
import pytest
from _list_server import GUARD, ListServer, rows_at

from voucherify_async import AsyncClient, InternalServerError
from voucherify_async.testing import FakeVoucherify, ManualClock

MODES = pytest.mark.parametrize(
    "mode", ["sequential", "start-then-prefetch", "prefetch-then-start"]
)


@MODES
async def test_start_fetches_the_first_page_once_and_iteration_begins_with_it(mode: str) -> None:
    server = ListServer(rows_at(range(25)))
    async with server.client() as client:
        with anyio.fail_after(GUARD):
            pager = client.customers.iter_all(limit=10)
            assert (pager.requests, pager.total) == (0, None)
            if mode == "sequential":
                assert await pager.start() is pager
                assert len(server.requests) == 1
                ids = [c.id async for c in pager]
            elif mode == "start-then-prefetch":
                await pager.start()
                assert len(server.requests) == 1
                async with pager:
                    ids = [c.id async for c in pager]
            else:
                async with pager:
                    await pager.start()
                    ids = [c.id async for c in pager]
    assert ids == server.expected()
    first_requests = [pairs for pairs in server.requests if "starting_after" not in dict(pairs)]
    assert len(first_requests) == 1  # the first page was not fetched again
    assert pager.requests == len(server.requests) == 3
    assert pager.total == 25


async def test_start_is_idempotent_and_a_no_op_once_iterating() -> None:
    server = ListServer(rows_at(range(25)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=10)
        await pager.start()
        await pager.start()
        assert len(server.requests) == 1
        first = await anext(pager)
        await pager.start()
        rest = [c.id async for c in pager]
    assert [first.id, *rest] == server.expected()
    assert len(server.requests) == 3


async def test_pages_after_start_yields_the_first_page_first() -> None:
    server = ListServer(rows_at(range(25)))
    async with server.client() as client:
        pager = await client.customers.iter_all(limit=10).start()
        pages = [[c.id for c in page] async for page in pager.pages()]
    assert pages[0] == server.expected()[:10]
    assert [item for page in pages for item in page] == server.expected()
    assert len(server.requests) == len(pages) == 3


async def test_start_after_aclose_sends_nothing() -> None:
    server = ListServer(rows_at(range(5)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=10)
        await pager.aclose()
        await pager.start()
        assert [c async for c in pager] == []
    assert server.requests == []


@pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])
async def test_start_raises_the_first_pages_error_and_a_second_start_sends_it_again(
    prefetch: bool,
) -> None:
    fake = FakeVoucherify(clock=ManualClock())
    fake.seed_customers(12)
    fake.inject_fault(503, path="/v1/customers", method="GET")
    async with AsyncClient(**fake.client_kwargs(), max_retries=0) as client:
        pager = client.customers.iter_all(limit=10)
        async with pager if prefetch else nullcontext():
            with pytest.raises(InternalServerError):
                await pager.start()
            assert (pager.requests, pager.total) == (1, None)
            await pager.start()
            assert (pager.requests, pager.total) == (2, 12)
            ids = [c.id async for c in pager]
    assert len(ids) == len(set(ids)) == 12
    assert pager.requests == 3
    assert [r.path for r in fake.requests] == ["/v1/customers"] * 3


async def test_requests_counts_page_requests_not_the_clients_retries() -> None:
    fake = FakeVoucherify(clock=ManualClock())
    fake.seed_customers(5)
    fake.inject_fault(503, path="/v1/customers", method="GET")
    async with AsyncClient(**fake.client_kwargs(), max_retries=1) as client:
        pager = await client.customers.iter_all(limit=10).start()
        assert len(fake.requests) == 2  # the 503 and its retry
        assert pager.requests == 1
        assert pager.total == 5


async def test_total_is_none_where_the_endpoint_has_none_and_the_apis_count_elsewhere() -> None:
    fake = FakeVoucherify(clock=ManualClock())
    customer = fake.add_customer(source_id="ada")
    fake.seed_activity(customer["id"], 7)
    fake.seed_redeemables(customer["id"], 6)
    async with AsyncClient(**fake.client_kwargs()) as client:
        activity = await client.customers.iter_activity("ada", limit=5).start()
        activities = await client.customers.iter_activities("ada", limit=5).start()
        redeemables = await client.customers.iter_redeemables("ada", limit=5).start()
        assert activity.total is None  # its pages carry no total
        assert activities.total == 7
        assert redeemables.total == 6
        assert [activity.requests, activities.requests, redeemables.requests] == [1, 1, 1]


async def test_total_is_read_from_the_first_page_only() -> None:
    counts = iter([3, 99])

    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "object": "list",
            "data_ref": "data",
            "data": [{"id": f"e{request.url.params.get('starting_after_id', '0')}1"}],
            "total": next(counts),
        }
        return httpx.Response(200, json=body)

    async with AsyncClient(
        "app", "secret", base_url="https://api.test", transport=httpx.MockTransport(handler)
    ) as client:
        pager = client.customers.iter_activities("c", limit=1, max_items=2)
        assert len([item async for item in pager]) == 2
    assert pager.total == 3

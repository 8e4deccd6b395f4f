"""Cursors that misbehave (issue 11 item 7): every walk ends with `VoucherifyError`, never loops.

A server may cycle its cursors (A, B, A, ...), serve the same items under ever new cursors, or
answer a page on the wrong side of the cursor it was asked for. Each walk must yield every item
at most once, stop at the first repeat with a message naming the endpoint and the repeated
cursor or id (never a key), and never complete as if nothing were missing. The tie-safe
customers walk must still skip its own legitimate overlaps (the re-read boundary, the windows).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from itertools import count
from typing import Any

import anyio
import httpx
import pytest
from _list_server import BASE_URL, DATE_ORDERS, ListServer, Row, every_semantics, rows_at

from voucherify_async import AsyncClient, AsyncPager, VoucherifyError

SECRET = "sk_HOSTILE-never-in-an-error"
GUARD = 5  # seconds: today's code loops forever on these servers
CUSTOMER = "cust_1"

Handler = Callable[[httpx.Request], httpx.Response]
Iterate = Callable[[AsyncClient], AsyncPager[Any]]


def client_for(handler: Handler) -> AsyncClient:
    return AsyncClient(
        "app-id",
        SECRET,
        base_url=BASE_URL,
        max_retries=0,
        transport=httpx.MockTransport(handler),
    )


async def until_error(pager: AsyncPager[Any], *, prefetch: bool) -> tuple[list[str], str]:
    """The ids yielded before the walk raised `VoucherifyError`, and the error's text."""
    seen: list[str] = []

    async def consume() -> None:
        async for item in pager:
            seen.append(item.id)
            assert len(seen) < 10_000, "the walk goes on forever"

    async def consume_with_prefetch() -> None:
        async with pager:
            await consume()

    with anyio.fail_after(GUARD), pytest.raises(VoucherifyError) as caught:
        await (consume_with_prefetch() if prefetch else consume())
    text = str(caught.value)
    assert SECRET not in text
    assert SECRET not in repr(caught.value)
    return seen, text


PREFETCH = pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])


# -- activity and redeemables: more_starting_after -------------------------------------------------


def next_id_page(ids: list[str], more: str | None) -> httpx.Response:
    data = [{"id": item, "created_at": "2024-01-01T00:00:00.000Z"} for item in ids]
    body: dict[str, Any] = {"object": "list", "data_ref": "data", "data": data}
    body["has_more"] = more is not None
    if more is not None:
        body["more_starting_after"] = more
    return httpx.Response(200, json=body)


NEXT_ID: list[Any] = [
    pytest.param("activity", lambda c: c.customers.iter_activity(CUSTOMER, limit=2), id="activity"),
    pytest.param(
        "redeemables", lambda c: c.customers.iter_redeemables(CUSTOMER, limit=2), id="redeemables"
    ),
]


@PREFETCH
@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID)
async def test_cursors_that_cycle_a_b_a_raise_at_the_first_cursor_seen_again(
    endpoint: str, iterate: Iterate, prefetch: bool
) -> None:
    # Fresh items on every page, so only the cursors can tell the walk is going round.
    fresh = count()
    following = {None: "A", "A": "B", "B": "A"}
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/customers/{CUSTOMER}/{endpoint}"
        cursor = request.url.params.get("starting_after_id")
        sent.append(cursor)
        return next_id_page([f"item{next(fresh)}", f"item{next(fresh)}"], following[cursor])

    async with client_for(handler) as client:
        seen, error = await until_error(iterate(client), prefetch=prefetch)
    assert sent == [None, "A", "B"]
    assert seen == [f"item{n}" for n in range(6)]  # the three pages, each item once
    assert f"/v1/customers/{CUSTOMER}/{endpoint}" in error
    assert "starting_after_id=A" in error


@PREFETCH
@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID)
async def test_the_same_items_under_ever_new_cursors_are_yielded_once_then_raise(
    endpoint: str, iterate: Iterate, prefetch: bool
) -> None:
    fresh = count()

    def handler(request: httpx.Request) -> httpx.Response:
        return next_id_page(["x1", "x2"], f"cursor-{next(fresh)}")

    async with client_for(handler) as client:
        seen, error = await until_error(iterate(client), prefetch=prefetch)
    assert seen == ["x1", "x2"]
    assert f"GET /v1/customers/{CUSTOMER}/{endpoint}" in error
    assert "'x1'" in error


@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID)
async def test_a_page_repeating_one_item_yields_the_new_items_before_it_then_raises(
    endpoint: str, iterate: Iterate
) -> None:
    pages = {
        None: (["a1", "a2"], "next"),
        "next": (["b1", "a2", "b2"], "last"),
        "last": (["c1"], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return next_id_page(*pages[request.url.params.get("starting_after_id")])

    async with client_for(handler) as client:
        seen, error = await until_error(iterate(client), prefetch=False)
    assert seen == ["a1", "a2", "b1"]
    assert "'a2'" in error


@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID)
async def test_a_server_handing_back_the_callers_own_cursor_raises(
    endpoint: str, iterate: Iterate
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("starting_after_id") == "start":
            return next_id_page(["a1"], "middle")
        return next_id_page(["b1"], "start")

    async with client_for(handler) as client:
        pager = client.customers.iter_activity(CUSTOMER, starting_after_id="start")
        if endpoint == "redeemables":
            pager = client.customers.iter_redeemables(CUSTOMER, starting_after_id="start")
        seen, error = await until_error(pager, prefetch=False)
    assert seen == ["a1", "b1"]
    assert "starting_after_id=start" in error


# -- the old /activities: the last item's cursor ---------------------------------------------------


def activities_page(items: list[dict[str, Any]]) -> httpx.Response:
    body = {"object": "list", "data_ref": "data", "data": items, "total": 1000}
    return httpx.Response(200, json=body)


@PREFETCH
async def test_old_activities_served_again_under_the_last_items_cursor_raise(
    prefetch: bool,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # ignores the cursor
        assert request.url.path == f"/v1/customers/{CUSTOMER}/activities"
        return activities_page([{"id": "e1"}, {"id": "e2"}])

    async with client_for(handler) as client:
        pager = client.customers.iter_activities(CUSTOMER, limit=2)
        seen, error = await until_error(pager, prefetch=prefetch)
    assert seen == ["e1", "e2"]
    assert f"GET /v1/customers/{CUSTOMER}/activities" in error
    assert "'e1'" in error


async def test_old_activities_without_ids_whose_dates_cycle_raise() -> None:
    # No ids: the cursor is the last item's created_at, and the server cycles two of them.
    stamps = {
        None: "2024-01-01T00:00:02.000Z",
        "2024-01-01T00:00:02.000Z": "2024-01-01T00:00:01.000Z",
    }
    stamps["2024-01-01T00:00:01.000Z"] = "2024-01-01T00:00:02.000Z"
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("starting_after")
        sent.append(cursor)
        return activities_page([{"created_at": stamps[cursor]}])

    async with client_for(handler) as client:
        _, error = await until_error(
            client.customers.iter_activities(CUSTOMER, limit=1), prefetch=False
        )
    assert len(sent) == 3
    assert "starting_after=2024-01-01T00:00:02.000Z" in error


# -- list customers: a page on the wrong side of its cursor ----------------------------------------


class BackwardsServer(ListServer):
    """Answers `starting_after` with the customers strictly on the wrong side of it."""

    def _past_cursor(self, row: Row, order: str, cursor: datetime) -> bool:
        return row.stamp(order) != cursor and not super()._past_cursor(row, order, cursor)


@PREFETCH
@pytest.mark.parametrize("order", DATE_ORDERS)
async def test_a_page_that_goes_back_past_its_cursor_raises_instead_of_ending_short(
    order: str | None, prefetch: bool
) -> None:
    # Today the walk drops that page as repeats and ends after the first page, 20 missing.
    server = BackwardsServer(rows_at(range(0, 300, 10)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=10, order=order)
        seen, error = await until_error(pager, prefetch=prefetch)
    assert seen == server.expected(order)[:10]
    assert "GET /v1/customers" in error
    assert "went backwards" in error


class ShuffledServer(ListServer):
    """Serves each page with two customers swapped, out of the order asked for."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = super().handler(request)
        body = json.loads(response.content)
        customers = body["customers"]
        if len(customers) > 5:
            customers[1], customers[5] = customers[5], customers[1]
        return httpx.Response(response.status_code, json=body)


@pytest.mark.parametrize("order", DATE_ORDERS)
async def test_a_page_out_of_order_raises_instead_of_dropping_the_customers_it_jumped(
    order: str | None,
) -> None:
    server = ShuffledServer(rows_at(range(0, 300, 10)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=10, order=order)
        seen, error = await until_error(pager, prefetch=False)
    expected = server.expected(order)
    assert seen == [expected[0], expected[5]]  # up to the first customer out of place
    assert f"customer {expected[2]} " in error  # the first one listed after a later one
    assert "out of the order" in error


class RestampingServer(ListServer):
    """Lists the same ten customers on every page, their `created_at` moving on each time."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        step = (len(self.requests) + 1) * 10
        descending = request.url.params.get("order") != "created_at"
        # The same seed: the same ids every time, at new moments further along the walk.
        self.rows = rows_at([-step - n if descending else step + n for n in range(10)], seed=1)
        return super().handler(request)


@pytest.mark.parametrize("order", [None, "created_at", "-created_at"])
async def test_customers_served_again_with_new_created_at_are_yielded_once_then_raise(
    order: str | None,
) -> None:
    # Always a new cursor, always the same customers: today's walk never ends.
    server = RestampingServer([])
    async with server.client() as client:
        seen, error = await until_error(
            client.customers.iter_all(limit=10, order=order), prefetch=False
        )
    assert sorted(seen) == sorted(row.id for row in server.rows)  # the ten, once each
    assert len(server.requests) == 2
    assert f"customer {server.expected(order)[0]} again" in error


# -- the tie windows: their overlaps are legitimate, a repeated page is not ------------------------


class PageIgnoringServer(ListServer):
    """Ignores `page` (always page 1) when asked for a window of dates."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        if "page" in params and any(name.startswith("created_at[") for name in params):
            request = httpx.Request(
                "GET", request.url.copy_remove_param("page"), headers=request.headers
            )
        return super().handler(request)


@every_semantics
async def test_a_tie_window_whose_pages_repeat_raises_at_once_not_at_the_page_cap(
    semantics: tuple[bool, bool],
) -> None:
    # 250 customers in one millisecond: the walk reads that millisecond page by page.
    server = PageIgnoringServer(rows_at([*range(-5, 0), *[0] * 250, *range(1, 6)]), *semantics)
    async with server.client() as client:
        pager = client.customers.iter_all(limit=100)
        seen, error = await until_error(pager, prefetch=False)
    assert len(seen) == len(set(seen))
    assert "twice in the pages of created_at 2024-03-01T12:00:00.000Z" in error
    assert len(server.requests) < 10  # today: 99 window pages, then the page cap's error


# -- date-times at the edge of the calendar -------------------------------------------------------

EDGE_DATES = [
    pytest.param("0001-01-01T00:00:00+01:00", id="year-0-in-utc"),
    pytest.param("9999-12-31T23:30:00-01:00", id="year-10000-in-utc"),
    pytest.param("0001-01-01T00:00:00.000Z", id="no-millisecond-before"),
    pytest.param("9999-12-31T23:59:59.999Z", id="no-millisecond-after"),
]


def customers_page(stamps: list[str]) -> httpx.Response:
    customers = [
        {"id": f"cust_{index}", "object": "customer", "created_at": stamp}
        for index, stamp in enumerate(stamps)
    ]
    body = {"object": "list", "customers": customers, "total": 99, "has_more": True}
    return httpx.Response(200, json=body)


@pytest.mark.parametrize("order", ["created_at", "-created_at"])
@pytest.mark.parametrize("stamp", EDGE_DATES)
async def test_a_customer_date_with_no_cursor_next_to_it_ends_the_walk_with_voucherify_error(
    stamp: str, order: str
) -> None:
    pager = client_for(lambda request: customers_page([stamp, stamp])).customers.iter_all(
        limit=2, order=order
    )

    seen, text = await until_error(pager, prefetch=False)

    assert seen == []
    assert stamp.split("T")[0] in text
    assert "cursor" in text


@pytest.mark.parametrize(
    ("order", "stamps", "cursor"),
    [
        ("created_at", ["0001-01-01T00:00:00.001Z", "0001-01-01T00:00:00.002Z"], "00.001Z"),
        ("-created_at", ["9999-12-31T23:59:59.998Z", "9999-12-31T23:59:59.997Z"], "59.998Z"),
        ("created_at", ["0001-01-01T01:00:00.001999+01:00", "0001-01-01T00:00:00.002Z"], "00.001Z"),
    ],
)
async def test_a_customer_date_one_millisecond_inside_the_calendar_is_walked_past(
    order: str, stamps: list[str], cursor: str
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) == 1:
            return customers_page(stamps)
        return httpx.Response(200, json={"customers": [], "has_more": False})

    pager = client_for(handler).customers.iter_all(limit=2, order=order)

    with anyio.fail_after(GUARD):
        assert [c.id async for c in pager] == ["cust_0", "cust_1"]
    assert sent[1].url.params["starting_after"].endswith(cursor)  # the boundary, re-read


@pytest.mark.parametrize("stamp", EDGE_DATES)
async def test_an_old_activity_date_with_no_cursor_ends_the_walk_with_voucherify_error(
    stamp: str,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return activities_page([{"created_at": stamp}, {"created_at": stamp}])

    pager = client_for(handler).customers.iter_activities(CUSTOMER, limit=2)

    seen, text = await until_error(pager, prefetch=False)

    assert seen == [None, None]  # the page's items, then the error instead of a cursor
    assert stamp.split("T")[0] in text


async def test_a_customer_listed_twice_on_one_page_is_yielded_once_in_source_id_order() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        customers = [{"id": "c1"}, {"id": "c2"}, {"id": "c1"}]
        return httpx.Response(200, json={"customers": customers, "has_more": False})

    pager = client_for(handler).customers.iter_all(order="source_id")

    with anyio.fail_after(GUARD):
        assert [c.id async for c in pager] == ["c1", "c2"]

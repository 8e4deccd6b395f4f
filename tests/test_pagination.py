"""Auto-pagination (`iter_all`, `iter_activity`, `iter_activities`, `iter_redeemables`).

What the pager promises: every matching item once, in the server's order; every filter on
every page request (date bounds only narrowed); `max_items` as an exact stop; the `source_id`
page cap as an error; each endpoint's own cursor; `.pages()`; and arguments checked at the call.
Walks run on `_list_server.ListServer` (any bound semantics) and on the embedded fake, whose
exchanges are validated against the spec (`conformance`). Ties: `test_pagination_ties.py`;
breaking out and cancelling: `test_pagination_cancellation.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio
import httpx
import pytest
import respx
from _conformance import Conformance
from _list_server import (
    DATE_ORDERS,
    GUARD,
    ListServer,
    Row,
    at,
    every_semantics,
    rows_at,
    walk,
    wire,
)

from voucherify_async import AsyncClient, AsyncPager, VoucherifyError
from voucherify_async.testing import FakeVoucherify, ManualClock

CUSTOMER = "cust_walker"


def thousand_and_fifty() -> list[Row]:
    """1,050 customers, three per millisecond, updated in an order unlike their creation."""
    updated = list(range(1050))
    random.Random(7).shuffle(updated)
    return rows_at([i // 3 for i in range(1050)], updated_ms=[u // 3 for u in updated])


@pytest.fixture
def fake() -> FakeVoucherify:
    return FakeVoucherify(clock=ManualClock())


@pytest.fixture
async def fake_client(fake: FakeVoucherify, conformance: Conformance) -> Any:
    async with AsyncClient(**conformance.client_kwargs(fake)) as client:
        yield client


# -- every customer once, in the server's order ---------------------------------------------------


async def test_iter_all_yields_1050_customers_once_newest_first_on_the_embedded_fake(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.seed_customers(1050, step_ms=1)
    with anyio.fail_after(GUARD):
        ids = [c.id async for c in fake_client.customers.iter_all(limit=100)]
    assert ids == [customer["id"] for customer in reversed(fake.customers())]


async def test_every_exchange_of_a_walk_on_the_embedded_fake_is_validated(
    fake: FakeVoucherify, fake_client: AsyncClient, conformance: Conformance
) -> None:
    # The conformance fixture fails the test on any exchange off the spec; this checks that
    # every request of the walk went through it.
    fake.seed_customers(300, step_ms=1)
    fake.seed_customers(20, same_created_at="2023-12-31T23:59:59.000Z", prefix="tie")
    ids = [c.id async for c in fake_client.customers.iter_all(limit=100, order="created_at")]
    assert ids == [customer["id"] for customer in fake.customers()]  # oldest first, ties by id
    assert [t.validated for t in conformance.transports] == [len(fake.requests)]


@pytest.mark.parametrize("order", [*DATE_ORDERS, "source_id", "-source_id"])
@every_semantics
async def test_each_order_yields_1050_customers_once_in_the_servers_order(
    semantics: tuple[bool, bool], order: str | None
) -> None:
    server = ListServer(thousand_and_fifty(), *semantics)
    assert await walk(server, limit=100, order=order) == server.expected(order)


@pytest.mark.parametrize("order", DATE_ORDERS)
async def test_date_orders_follow_starting_after_and_never_send_page(order: str | None) -> None:
    server = ListServer(rows_at(range(250)))
    await walk(server, limit=100, order=order)
    assert server.sent("starting_after")[0] is None
    assert None not in server.sent("starting_after")[1:]
    assert server.sent("page") == [None] * len(server.requests)


@pytest.mark.parametrize("order", ["source_id", "-source_id"])
async def test_source_id_orders_walk_page_numbers_without_a_cursor(order: str) -> None:
    server = ListServer(rows_at(range(250)))
    await walk(server, limit=100, order=order)
    assert server.sent("page") == ["1", "2", "3"]
    assert server.sent("starting_after") == [None, None, None]


async def test_customers_created_during_a_newest_first_walk_do_not_shift_it() -> None:
    created: list[int] = []

    def add_newer_customers(server: ListServer, query: list[tuple[str, str]]) -> None:
        # Before every answer after the first, 30 customers newer than any other arrive (a
        # page-number walk would meet the last page's customers again, shifted by them).
        if server.requests[1:]:
            number = len(server.rows)
            server.rows.extend(rows_at([10_000 + number] * 30, seed=number))
            created.append(number)

    server = ListServer(rows_at(range(500)), on_request=add_newer_customers)
    before = server.expected()
    assert await walk(server, limit=100) == before
    assert len(created) == len(server.requests) - 1 > 3


@every_semantics
async def test_the_callers_starting_after_is_where_the_walk_starts(
    semantics: tuple[bool, bool],
) -> None:
    server = ListServer(rows_at([i // 2 for i in range(400)]), *semantics)
    cursor = at(50)
    got = await walk(server, limit=30, order="created_at", starting_after=cursor)
    first = [row for row in server.ordered("created_at") if row.created_at >= cursor]
    if not semantics[0]:
        first = [row for row in first if row.created_at > cursor]
    assert got == [row.id for row in first]
    assert server.sent("starting_after")[0] == wire(cursor)


# -- filters on every page request ----------------------------------------------------------------

FILTERS: dict[str, Any] = {
    "city": "Berlin",
    "name": "Customer 1",
    "segment_id": "seg_most",
    "created_at_after": at(-1),
    "created_at_before": at(900),
    "updated_at_after": at(-1),
    "updated_at_before": at(900),
}
WIRE_FILTERS = {
    "city": "Berlin",
    "name": "Customer 1",
    "segment_id": "seg_most",
    "created_at[after]": wire(at(-1)),
    "created_at[before]": wire(at(900)),
    "updated_at[after]": wire(at(-1)),
    "updated_at[before]": wire(at(900)),
}
NON_DATE_FILTERS = ("city", "name", "segment_id")


def matching_ties() -> list[Row]:
    # Most matching customers share two milliseconds: the walk narrows into each of them.
    return rows_at([*[5] * 700, *[6] * 500, *range(7, 300)])


@pytest.mark.parametrize("order", [*DATE_ORDERS, "source_id", "-source_id"])
async def test_every_filter_is_sent_on_every_page_request(order: str | None) -> None:
    server = ListServer(matching_ties(), filter_inclusive=True)
    got = await walk(server, limit=20, order=order, **FILTERS)
    assert got == server.expected(order, **WIRE_FILTERS)
    assert len(server.requests) > 5
    for pairs in server.requests:
        sent = dict(pairs)
        assert {name: sent.get(name) for name in NON_DATE_FILTERS} == {
            name: WIRE_FILTERS[name] for name in NON_DATE_FILTERS
        }
        assert sent.get("order") == order
        assert all(
            f"{stamp}[{side}]" in sent
            for stamp in ("created_at", "updated_at")
            for side in ("after", "before")
        )


@pytest.mark.parametrize("order", DATE_ORDERS)
@every_semantics
async def test_date_bounds_are_only_ever_narrowed(
    semantics: tuple[bool, bool], order: str | None
) -> None:
    server = ListServer(matching_ties(), *semantics)
    await walk(server, limit=20, order=order, **FILTERS)
    narrowed = 0
    for pairs in server.requests:
        sent = dict(pairs)
        for stamp in ("created_at", "updated_at"):
            after = datetime.fromisoformat(sent[f"{stamp}[after]"])
            before = datetime.fromisoformat(sent[f"{stamp}[before]"])
            assert after >= FILTERS[f"{stamp}_after"]
            assert before <= FILTERS[f"{stamp}_before"]
            narrowed += after > FILTERS[f"{stamp}_after"] or before < FILTERS[f"{stamp}_before"]
    assert narrowed  # the ties made the walk narrow a bound at least once


async def test_filters_reach_the_embedded_fake_on_every_page(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.seed_customers(45, start="2023-12-31T00:00:00Z", step_ms=1000)
    after = "2023-12-31T00:00:05.000Z"
    ids = [
        c.id
        async for c in fake_client.customers.iter_all(
            limit=4, city="Berlin", created_at_after=after
        )
    ]
    berliners = [
        c["id"]
        for c in reversed(fake.customers())
        if c["address"]["city"] == "Berlin" and c["created_at"] > after
    ]
    assert ids == berliners
    assert len(fake.requests) >= 4
    for request in fake.requests:
        assert request.query["city"] == ["Berlin"]
        assert request.query["created_at[after]"] == [after]


# -- max_items ------------------------------------------------------------------------------------


async def test_max_items_stops_after_n_customers_asking_only_for_what_is_left() -> None:
    server = ListServer(rows_at(range(1050)))
    got = await walk(server, limit=100, max_items=250)
    assert got == server.expected()[:250]
    # Pages 1 and 2 bring 100 + 99 new customers (page 2 re-reads the millisecond page 1 ended
    # on); the last asks for the 51 still wanted plus the one it re-reads.
    assert server.sent("limit") == ["100", "100", "52"]


async def test_max_items_below_the_limit_sends_one_request_of_that_size() -> None:
    server = ListServer(rows_at(range(1050)))
    assert len(await walk(server, limit=100, max_items=30)) == 30
    assert server.sent("limit") == ["30"]


async def test_max_items_zero_sends_no_request() -> None:
    server = ListServer(rows_at(range(10)))
    assert await walk(server, max_items=0) == []
    assert server.requests == []


async def test_max_items_on_activity_asks_only_for_the_events_still_wanted(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.add_customer(source_id=CUSTOMER)
    events = fake.seed_activity(CUSTOMER, 30)
    got = [
        e.id async for e in fake_client.customers.iter_activity(CUSTOMER, limit=10, max_items=23)
    ]
    assert got == [event["id"] for event in reversed(events)][:23]
    assert [request.query["limit"] for request in fake.requests] == [["10"], ["10"], ["3"]]


@pytest.mark.parametrize(("max_items", "requests"), [(100, 1), (150, 2)])
async def test_no_request_is_sent_after_max_items_even_with_prefetch(
    max_items: int, requests: int
) -> None:
    server = ListServer(rows_at(range(1050)))
    seen = 0
    async with server.client() as client:
        with anyio.fail_after(GUARD):
            async with client.customers.iter_all(limit=100, max_items=max_items) as pager:
                async for _customer in pager:
                    seen += 1
                    await anyio.sleep(0.0005)  # room for a prefetch to go out if it would
            await anyio.sleep(0.05)
    assert seen == max_items
    assert len(server.requests) == requests


# -- the page cap of source_id orders -------------------------------------------------------------


async def collect_until_error(pager: AsyncPager[Any], *, prefetch: bool) -> tuple[list[str], Any]:
    """The ids yielded before the walk raised `VoucherifyError`, and the error."""
    seen: list[str] = []

    async def consume() -> None:
        async for item in pager:
            seen.append(item.id)

    async def consume_with_prefetch() -> None:
        async with pager:
            await consume()

    with anyio.fail_after(GUARD), pytest.raises(VoucherifyError) as caught:
        await (consume_with_prefetch() if prefetch else consume())
    return seen, caught.value


@pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])
async def test_a_source_id_walk_past_page_99_raises_naming_the_cap_after_page_99s_items(
    prefetch: bool,
) -> None:
    server = ListServer(rows_at(range(100)))  # limit=1: page 100 would hold the last one
    async with server.client() as client:
        pager = client.customers.iter_all(limit=1, order="source_id")
        seen, error = await collect_until_error(pager, prefetch=prefetch)
    assert seen == server.expected("source_id")[:99]
    assert "page 99" in str(error)
    assert "page cap" in str(error)
    assert server.sent("page") == [str(page) for page in range(1, 100)]


async def test_a_source_id_walk_of_exactly_99_full_pages_ends_without_the_cap_error() -> None:
    server = ListServer(rows_at(range(99)))
    assert await walk(server, limit=1, order="-source_id") == server.expected("-source_id")


# -- activity, redeemables and the old activities -------------------------------------------------


def next_id_page(ids: list[str], *, more: str | None) -> dict[str, Any]:
    data = [{"id": item, "created_at": "2024-01-01T00:00:00.000Z"} for item in ids]
    body: dict[str, Any] = {"object": "list", "data_ref": "data", "data": data}
    body["has_more"] = more is not None
    if more is not None:
        body["more_starting_after"] = more
    return body


NEXT_ID_ENDPOINTS: list[tuple[str, Callable[[AsyncClient], AsyncPager[Any]]]] = [
    ("activity", lambda c: c.customers.iter_activity("cust_1", limit=2)),
    ("redeemables", lambda c: c.customers.iter_redeemables("cust_1", limit=2)),
]


@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID_ENDPOINTS)
async def test_next_id_endpoints_send_more_starting_after_as_starting_after_id(
    client: AsyncClient,
    api: respx.MockRouter,
    endpoint: str,
    iterate: Callable[[AsyncClient], AsyncPager[Any]],
) -> None:
    # The cursor is opaque: not the last item's id.
    pages = {
        None: next_id_page(["a1", "a2"], more="opaque-1"),
        "opaque-1": next_id_page(["b1", "b2"], more="opaque-2"),
        "opaque-2": next_id_page(["c1"], more=None),
    }
    route = api.get(f"/v1/customers/cust_1/{endpoint}").mock(
        side_effect=lambda r: httpx.Response(200, json=pages[r.url.params.get("starting_after_id")])
    )
    with anyio.fail_after(GUARD):
        got = [item.id async for item in iterate(client)]
    assert got == ["a1", "a2", "b1", "b2", "c1"]
    sent = [call.request.url.params.get("starting_after_id") for call in route.calls]
    assert sent == [None, "opaque-1", "opaque-2"]


@pytest.mark.parametrize(("endpoint", "iterate"), NEXT_ID_ENDPOINTS)
async def test_a_server_repeating_more_starting_after_raises_instead_of_looping(
    client: AsyncClient,
    api: respx.MockRouter,
    endpoint: str,
    iterate: Callable[[AsyncClient], AsyncPager[Any]],
) -> None:
    route = api.get(f"/v1/customers/cust_1/{endpoint}").respond(
        200, json=next_id_page(["x1", "x2"], more="stuck")
    )
    seen = []

    async def consume() -> None:
        async for item in iterate(client):
            seen.append(item.id)

    with anyio.fail_after(5), pytest.raises(VoucherifyError, match="'x1' again"):
        await consume()
    assert route.call_count == 2
    assert seen == ["x1", "x2"]  # each item once (issue 11 item 7), then the error


async def test_iter_activity_walks_every_event_once_with_its_filters(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.add_customer(source_id=CUSTOMER)
    fake.seed_activity(CUSTOMER, 5, start="2024-01-01T00:00:00Z", campaign_type="PROMOTION")
    events = fake.seed_activity(
        CUSTOMER, 25, start="2023-06-01T00:00:00Z", step_ms=0, campaign_type="LOYALTY_PROGRAM"
    )
    got = [
        e.id
        async for e in fake_client.customers.iter_activity(
            CUSTOMER,
            limit=7,
            order="created_at",
            campaign_type="LOYALTY_PROGRAM",
            start_date="2023-01-01T00:00:00Z",
            end_date="2023-12-31T00:00:00Z",
        )
    ]
    assert got == [event["id"] for event in events]
    assert len(fake.requests) == 4
    for request in fake.requests:
        assert request.query["campaign_type"] == ["LOYALTY_PROGRAM"]
        assert request.query["order"] == ["created_at"]
        assert request.query["start_date"] == ["2023-01-01T00:00:00.000Z"]
        assert request.query["end_date"] == ["2023-12-31T00:00:00.000Z"]


async def test_iter_redeemables_walks_every_redeemable_once_with_its_filters(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.add_customer(source_id=CUSTOMER)
    held = fake.seed_redeemables(CUSTOMER, 40)
    owned = sorted(item["id"] for item in held if item["holder_role"] == "OWNER")
    filters = {"holder_role": {"conditions": {"$is": "OWNER"}}}
    got = [
        r.id
        async for r in fake_client.customers.iter_redeemables(
            CUSTOMER, limit=4, order="id", filters=filters
        )
    ]
    assert got == owned
    assert len(fake.requests) == 4
    for request in fake.requests:
        assert request.query["filters[holder_role][conditions][$is]"] == ["OWNER"]
        assert request.query["order"] == ["id"]


async def test_iter_activities_takes_its_cursor_from_the_last_item(
    fake: FakeVoucherify, fake_client: AsyncClient
) -> None:
    fake.add_customer(source_id=CUSTOMER)
    events = fake.seed_activity(CUSTOMER, 25, step_ms=0)
    pages = [
        [event.id for event in page]
        async for page in fake_client.customers.iter_activities(CUSTOMER, limit=10).pages()
    ]
    assert [item for page in pages for item in page] == [e["id"] for e in reversed(events)]
    cursors = [request.query.get("starting_after_id") for request in fake.requests]
    assert cursors == [None, [pages[0][-1]], [pages[1][-1]]]


# -- pages() --------------------------------------------------------------------------------------


@every_semantics
async def test_pages_yields_the_new_items_of_each_request_without_repeats(
    semantics: tuple[bool, bool],
) -> None:
    server = ListServer(rows_at([*range(50), *[60] * 230, *range(61, 100)]), *semantics)
    async with server.client() as client:
        with anyio.fail_after(GUARD):
            pages = [
                [c.id for c in page] async for page in client.customers.iter_all(limit=100).pages()
            ]
    assert len(pages) == len(server.requests)
    assert [item for page in pages for item in page] == server.expected()


async def test_pages_after_items_taken_one_by_one_starts_with_the_rest_of_that_page() -> None:
    server = ListServer(rows_at(range(150)))
    async with server.client() as client:
        pager = client.customers.iter_all(limit=100)
        taken = [(await anext(pager)).id for _ in range(10)]
        pages = [[c.id for c in page] async for page in pager.pages()]
    expected = server.expected()
    assert taken == expected[:10]
    assert pages[0] == expected[10:100]
    assert [item for page in pages for item in page] == expected[10:]


# -- arguments are checked at the call ------------------------------------------------------------

NAIVE = datetime(2024, 1, 1)  # deliberately naive
BAD_CALLS: list[tuple[str, Callable[[AsyncClient], object]]] = [
    ("limit", lambda c: c.customers.iter_all(limit=0)),
    ("limit", lambda c: c.customers.iter_all(limit=101)),
    ("max_items", lambda c: c.customers.iter_all(max_items=-1)),
    ("created_at_after", lambda c: c.customers.iter_all(created_at_after=NAIVE)),
    ("starting_after", lambda c: c.customers.iter_all(starting_after=NAIVE)),
    ("order", lambda c: c.customers.iter_all(order="name")),
    ("limit", lambda c: c.customers.iter_activity("cust_1", limit=101)),
    ("start_date", lambda c: c.customers.iter_activity("cust_1", start_date=NAIVE)),
    ("order", lambda c: c.customers.iter_activity("cust_1", order="-type")),
    ("max_items", lambda c: c.customers.iter_activities("cust_1", max_items=-1)),
    ("starting_after", lambda c: c.customers.iter_activities("cust_1", starting_after=NAIVE)),
    ("limit", lambda c: c.customers.iter_redeemables("cust_1", limit=0)),
    ("order", lambda c: c.customers.iter_redeemables("cust_1", order="created_at")),
]


@pytest.mark.parametrize(
    ("parameter", "call"), BAD_CALLS, ids=[f"{i}-{name}" for i, (name, _) in enumerate(BAD_CALLS)]
)
async def test_a_bad_argument_raises_at_the_call_naming_it_and_sends_nothing(
    client: AsyncClient,
    api: respx.MockRouter,
    parameter: str,
    call: Callable[[AsyncClient], object],
) -> None:
    with pytest.raises(ValueError, match=rf"^{parameter}\b"):
        call(client)
    assert not api.calls


async def test_creating_a_pager_sends_nothing(client: AsyncClient, api: respx.MockRouter) -> None:
    client.customers.iter_all(city="Berlin")
    client.customers.iter_activity("cust_1")
    await anyio.sleep(0.01)
    assert not api.calls

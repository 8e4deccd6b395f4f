"""`iter_all` over customers sharing one millisecond (bulk imports): each is yielded once.

The cursor must not know whether the API's `starting_after` and date filters include their
bound, so every tie test runs on all four combinations of `_list_server.ListServer`, and on the
embedded fake (exclusive bounds) with every exchange validated against the spec. Two properties
close: random ties alone, and random ties with the caller's date bounds, `starting_after`,
`max_items` and prefetch, each checked against `ListServer.expected()`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import anyio
import pytest
from _conformance import Conformance
from _list_server import (
    DATE_ORDERS,
    GUARD,
    MAX_PAGE,
    ListServer,
    at,
    every_semantics,
    parse,
    rows_at,
    walk,
    wire,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from voucherify_async import AsyncClient, VoucherifyError
from voucherify_async.testing import FakeVoucherify, ManualClock


def tied(*groups: int, first_ms: int = 0) -> list[int]:
    """Offsets for consecutive milliseconds holding `groups[i]` customers each."""
    return [first_ms + index for index, size in enumerate(groups) for _ in range(size)]


@pytest.mark.parametrize("order", DATE_ORDERS)
@every_semantics
async def test_250_customers_in_one_millisecond_across_page_boundaries_are_each_yielded_once(
    semantics: tuple[bool, bool], order: str | None
) -> None:
    # 80 before the tie and 80 after it: the tie spans the boundaries at 100, 200 and 300.
    offsets = [*range(-80, 0), *[0] * 250, *range(1, 81)]
    server = ListServer(rows_at(offsets), *semantics)
    assert await walk(server, limit=100, order=order) == server.expected(order)


@every_semantics
async def test_1000_customers_in_one_millisecond_are_each_yielded_once(
    semantics: tuple[bool, bool],
) -> None:
    server = ListServer(rows_at([*range(-30, 0), *[0] * 1000, *range(1, 31)]), *semantics)
    assert await walk(server, limit=100) == server.expected()


@pytest.mark.parametrize("order", DATE_ORDERS)
@every_semantics
async def test_a_tie_on_the_very_first_page_is_walked_once(
    semantics: tuple[bool, bool], order: str | None
) -> None:
    # Ties at both ends, so the first page of either direction is one millisecond.
    offsets = [*[0] * 250, *range(1, 51), *[100] * 250]
    server = ListServer(rows_at(offsets), *semantics)
    assert await walk(server, limit=100, order=order) == server.expected(order)


@pytest.mark.parametrize("order", DATE_ORDERS)
@every_semantics
async def test_several_tie_groups_in_adjacent_milliseconds_are_each_walked_once(
    semantics: tuple[bool, bool], order: str | None
) -> None:
    # Adjacent milliseconds: a walk of one tie also meets its neighbours' customers.
    server = ListServer(rows_at(tied(150, 100, 1, 250, 99, 101, 100, 2)), *semantics)
    assert await walk(server, limit=100, order=order) == server.expected(order)


@every_semantics
async def test_ties_in_updated_at_are_walked_once_in_the_updated_at_order(
    semantics: tuple[bool, bool],
) -> None:
    # Distinct creation times, but updated in two bulk updates of 150 and 200.
    rows = rows_at(range(350), updated_ms=[*[5000] * 150, *[9000] * 200])
    server = ListServer(rows, *semantics)
    assert await walk(server, limit=100, order="updated_at") == server.expected("updated_at")


@every_semantics
async def test_a_tie_walk_keeps_the_callers_own_date_bounds(
    semantics: tuple[bool, bool],
) -> None:
    server = ListServer(rows_at([*range(-5, 0), *[0] * 250, *range(1, 6)]), *semantics)
    after, before = "2024-03-01T11:59:59.000Z", "2024-03-01T12:00:00.003Z"
    got = await walk(server, limit=100, created_at_after=after, created_at_before=before)
    expected = server.expected(**{"created_at[after]": after, "created_at[before]": before})
    assert got == expected


@every_semantics
async def test_a_tie_wider_than_99_pages_raises_naming_the_cap(
    semantics: tuple[bool, bool],
) -> None:
    # limit=1 makes the cap cheap to reach: 100 customers in one millisecond need 100 pages.
    server = ListServer(rows_at([0] * 100), *semantics)
    seen: list[str] = []

    async def consume(client: AsyncClient) -> None:
        async for customer in client.customers.iter_all(limit=1):
            seen.append(customer.id or "")

    async with server.client() as client:
        with anyio.fail_after(GUARD), pytest.raises(VoucherifyError) as caught:
            await consume(client)
    assert "99 pages" in str(caught.value)
    assert "2024-03-01T12:00:00.000Z" in str(caught.value)
    assert seen == server.expected()[:99]


@every_semantics
async def test_a_tie_filling_exactly_99_pages_completes_without_the_cap_error(
    semantics: tuple[bool, bool],
) -> None:
    server = ListServer(rows_at([*[0] * 99, 1, 2]), *semantics)
    assert await walk(server, limit=1) == server.expected()


@pytest.mark.parametrize(("order", "neighbour"), [(None, -1), ("created_at", 1)])
@every_semantics
async def test_a_99_page_tie_followed_by_a_neighbour_in_the_walks_direction_completes(
    semantics: tuple[bool, bool], order: str | None, neighbour: int
) -> None:
    # Page 99 of the tie is full and has_more is true: of the tie itself, or only of the
    # customer 1 ms on, whom inclusive filters put in the window. The walk must tell which.
    server = ListServer(rows_at([*[0] * 99, neighbour]), *semantics)
    assert await walk(server, limit=1, order=order) == server.expected(order)


@pytest.mark.parametrize("order", [None, "created_at"])
async def test_neighbours_of_a_99_page_tie_do_not_count_as_more_of_it(
    order: str | None,
) -> None:
    # Inclusive date filters: the window around the tie's millisecond also returns the
    # customers one millisecond away, after the tie's 98, on page 99 of the window.
    offsets = [*[10] * 98, *[9] * 3, *[11] * 3]
    server = ListServer(rows_at(offsets), cursor_inclusive=False, filter_inclusive=True)
    assert await walk(server, limit=1, order=order) == server.expected(order)


async def test_bulk_import_ties_on_the_embedded_fake_are_walked_once(
    conformance: Conformance,
) -> None:
    fake = FakeVoucherify(clock=ManualClock())
    fake.seed_customers(80, start="2023-12-31T00:00:00Z", step_ms=7, prefix="old")
    fake.seed_customers(250, same_created_at="2023-12-31T01:00:00.000Z", prefix="bulk")
    fake.seed_customers(120, start="2023-12-31T01:00:00.001Z", step_ms=0, prefix="next")
    async with AsyncClient(**conformance.client_kwargs(fake)) as client:
        newest_first = [c.id async for c in client.customers.iter_all(limit=100)]
        oldest_first = [c.id async for c in client.customers.iter_all(order="created_at")]
    ids = [customer["id"] for customer in fake.customers()]  # oldest first, ties by id
    assert oldest_first == ids
    assert newest_first == ids[::-1]


# -- the properties -------------------------------------------------------------------------------


@st.composite
def datasets(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """Created and updated offsets over a few milliseconds, so collisions are the rule."""
    span = draw(st.integers(0, 12))
    size = draw(st.integers(0, 120))
    created = draw(st.lists(st.integers(0, span), min_size=size, max_size=size))
    updated = draw(st.lists(st.integers(0, span), min_size=size, max_size=size))
    return created, updated


#: The caller's date arguments the second property draws (as millisecond offsets, like the data).
DATE_ARGUMENTS = (
    "created_at_after",
    "created_at_before",
    "updated_at_after",
    "updated_at_before",
    "starting_after",
)


@st.composite
def walks(draw: st.DrawFn) -> tuple[list[int], list[int], dict[str, int]]:
    """A dataset, and some of the caller's date arguments: often a millisecond with customers."""
    created, updated = draw(datasets())
    stamps = sorted({*created, *updated})
    moments = st.integers(-1, max(stamps, default=0) + 1)
    if stamps:
        moments = st.sampled_from(stamps) | moments
    names = draw(st.sets(st.sampled_from(DATE_ARGUMENTS)))
    offsets = {name: draw(moments) for name in sorted(names)}
    return created, updated, offsets


#: What both properties draw besides the data and the caller's arguments.
SERVERS: dict[str, st.SearchStrategy[Any]] = {
    "limit": st.one_of(st.integers(1, 12), st.integers(1, 100)),
    "order": st.sampled_from(DATE_ORDERS),
    "cursor_inclusive": st.booleans(),
    "filter_inclusive": st.booleans(),
    "send_has_more": st.booleans(),
    "seed": st.integers(0, 3),
}


def server_within_the_page_cap(
    created: list[int],
    updated: list[int],
    *,
    limit: int,
    order: str | None,
    cursor_inclusive: bool,
    filter_inclusive: bool,
    send_has_more: bool,
    seed: int,
) -> ListServer:
    """The server of one example, whose every tie window ends within 99 pages of `limit`.

    The window over a millisecond T holds T's customers, and also those 1 ms either side of it
    on a server whose date filters include their bounds (until the cursor learns that). Without
    `has_more`, a full 99th page cannot tell that nothing follows: the cap error is the answer.
    """
    counts = Counter(updated if order in ("updated_at", "-updated_at") else created)
    reach = (-1, 0, 1) if filter_inclusive else (0,)
    held = max((sum(counts[ms + step] for step in reach) for ms in counts), default=0)
    assume(held < MAX_PAGE * limit or (send_has_more and held == MAX_PAGE * limit))
    return ListServer(
        rows_at(created, updated_ms=updated, seed=seed),
        cursor_inclusive=cursor_inclusive,
        filter_inclusive=filter_inclusive,
        send_has_more=send_has_more,
    )


@settings(max_examples=150, deadline=None)
@given(data=datasets(), server=st.fixed_dictionaries(SERVERS))
def test_the_walk_yields_exactly_the_servers_ordered_list(
    data: tuple[list[int], list[int]], server: dict[str, Any]
) -> None:
    created, updated = data
    limit, order = server["limit"], server["order"]
    listing = server_within_the_page_cap(created, updated, **server)

    async def run() -> list[str]:
        return await walk(listing, limit=limit, order=order)

    assert anyio.run(run, backend="asyncio") == listing.expected(order)


@settings(max_examples=150, deadline=None)
@given(
    case=walks(),
    server=st.fixed_dictionaries(SERVERS),
    max_items=st.none() | st.integers(0, 200),
    prefetch=st.booleans(),
    backend=st.sampled_from(["asyncio", "trio"]),
)
def test_the_walk_with_the_callers_arguments_yields_the_servers_ordered_list(
    case: tuple[list[int], list[int], dict[str, int]],
    server: dict[str, Any],
    max_items: int | None,
    prefetch: bool,
    backend: str,
) -> None:
    # The caller's date bounds (the order's own, which a tie walk narrows, and the other
    # stamp's), `starting_after` and `max_items`, with or without prefetch, on either backend:
    # what the server's order holds under those filters, from that cursor on, and no more.
    created, updated, offsets = case
    limit, order = server["limit"], server["order"]
    listing = server_within_the_page_cap(created, updated, **server)
    options: dict[str, Any] = {name: at(offset) for name, offset in offsets.items()}
    on_the_wire = {  # created_at_after -> created_at[after], ...
        name: "{}[{}]".format(*name.rsplit("_", 1)) for name in options if name != "starting_after"
    }
    where: dict[str, Any] = {on_the_wire[name]: wire(options[name]) for name in on_the_wire}
    where["starting_after"] = options.get("starting_after")
    if max_items is not None:  # none of them, some, all, or one more than all
        max_items %= len(listing.expected(order, **where)) + 2

    async def run() -> list[str]:
        return await walk(
            listing, prefetch=prefetch, limit=limit, max_items=max_items, order=order, **options
        )

    assert anyio.run(run, backend=backend) == listing.expected(order, max_items=max_items, **where)
    for pairs in listing.requests:  # every bound on every request, the order's only narrowed
        sent = dict(pairs)
        for name, wire_name in on_the_wire.items():
            bound = parse(sent[wire_name])
            assert bound >= options[name] if name.endswith("_after") else bound <= options[name]

"""A small fake of `GET /v1/customers` with real cursor semantics, for the pagination tests.

It serves a fixed list of rows (plus any added while a walk runs) through `httpx.MockTransport`
and implements what the pager depends on: millisecond timestamps with ties (broken by id in the
order's direction), `starting_after` per order, `created_at[before]/[after]`,
`updated_at[before]/[after]`, `page` (capped at 99 like the API), `limit` and `has_more`.

The spec does not say whether the bounds include their value, so the fake can do either, and
separately: `cursor_inclusive` for `starting_after`, `filter_inclusive` for the date filters.
`expected()` is the ground truth: the ids the server's order holds for the filters, from the
caller's own `starting_after` (with this server's bound) and up to `max_items`, if given.

Shared by the pagination tests: `walk()` (the ids of one `iter_all` walk, under `GUARD`),
`DATE_ORDERS`, and `every_semantics`, which runs a test on each `SEMANTICS` of the bounds.
"""

from __future__ import annotations

import functools
import json
import operator
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
import pytest

from voucherify_async import AsyncClient

BASE_URL = "https://api.voucherify.test"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)
ORDERS = ("created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id")
#: The orders `iter_all` walks by `starting_after` (`None`: the API's default, newest first).
DATE_ORDERS = [None, "created_at", "-created_at", "updated_at", "-updated_at"]
DATE_FILTERS = (
    "created_at[before]",
    "created_at[after]",
    "updated_at[before]",
    "updated_at[after]",
)
MAX_PAGE = 99
ID_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
GUARD = 20  # seconds: a walk that loops forever fails here instead of hanging the suite


def at(ms: int) -> datetime:
    """`T0` plus `ms` milliseconds."""
    return T0 + ms * MS


def wire(value: datetime) -> str:
    """A datetime as the API writes it (UTC, milliseconds, `Z`)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True)
class Row:
    """One stored customer."""

    id: str
    created_at: datetime
    updated_at: datetime
    source_id: str
    city: str = "Warsaw"
    name: str = "Customer"
    segments: frozenset[str] = frozenset()

    def stamp(self, order: str) -> datetime:
        return self.updated_at if order.lstrip("-") == "updated_at" else self.created_at

    @staticmethod
    def sort_key(order: str) -> Callable[[Row], tuple[Any, ...]]:
        """The key of `order` (either direction): its field, ties broken by id."""
        field_name = order.lstrip("-")
        return attrgetter("source_id" if field_name == "source_id" else field_name, "id")

    def render(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "name": self.name,
            "address": {"city": self.city},
            "metadata": {},
            "created_at": wire(self.created_at),
            "updated_at": wire(self.updated_at),
            "object": "customer",
        }

    @functools.cached_property
    def encoded(self) -> bytes:
        """`render()` as JSON, made once: a row is served on many pages and in many tests."""
        return json.dumps(self.render()).encode()


def rows_at(
    offsets_ms: Iterable[int],
    *,
    updated_ms: Iterable[int] | None = None,
    seed: int = 0,
) -> list[Row]:
    """One row per offset (repeat an offset for a tie); ids random so ties sort unlike creation.

    `updated_ms` gives each row's `updated_at` offset (default: its `created_at`), so the
    `updated_at` orders can differ from the `created_at` ones. The same arguments give the same
    rows (a new list of them).
    """
    created = tuple(offsets_ms)
    updated = created if updated_ms is None else tuple(updated_ms)
    assert len(updated) == len(created)
    return list(_rows(created, updated, seed))


@functools.lru_cache(maxsize=64)
def _rows(created: tuple[int, ...], updated: tuple[int, ...], seed: int) -> tuple[Row, ...]:
    """`rows_at`'s rows, made once per dataset: rows are frozen, so tests can share them."""
    rng = random.Random(seed)
    below = rng._randbelow  # what `rng.choice` draws with: the same ids, without its overhead
    rows = []
    for number, (offset, updated_offset) in enumerate(zip(created, updated, strict=True), 1):
        suffix = "".join([ID_CHARACTERS[below(36)] for _ in range(12)])
        rows.append(
            Row(
                id=f"cust_{suffix}{number:05d}",
                created_at=at(offset),
                updated_at=at(updated_offset),
                source_id=f"src-{rng.randrange(10**6):06d}-{number:05d}",
                city=("Warsaw", "Berlin")[number % 2],
                name=f"Customer {number % 3}",
                segments=frozenset({"seg_most"} if number % 5 else ()),
            )
        )
    return tuple(rows)


@dataclass
class ListServer:
    """The fake endpoint. `requests` holds each request's decoded query pairs, in order."""

    rows: list[Row]
    cursor_inclusive: bool = False
    filter_inclusive: bool = False
    send_has_more: bool = True
    #: Called with the request's query before each answer (e.g. to add customers mid-walk).
    on_request: Callable[[ListServer, list[tuple[str, str]]], None] | None = None
    requests: list[list[tuple[str, str]]] = field(default_factory=list)
    _ordered: dict[str, tuple[list[Row], int, list[Row]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- ground truth ---------------------------------------------------------------------------

    def ordered(self, order: str | None = None) -> list[Row]:
        """Every row in the server's order (sorted again once `rows` is replaced or grows)."""
        name = order or "-created_at"
        rows, count, ordered = self._ordered.get(name, (None, 0, []))
        if rows is not self.rows or count != len(self.rows):
            ordered = sorted(self.rows, key=Row.sort_key(name), reverse=name.startswith("-"))
            self._ordered[name] = (self.rows, len(self.rows), ordered)
        return list(ordered)

    def expected(
        self,
        order: str | None = None,
        *,
        starting_after: datetime | None = None,
        max_items: int | None = None,
        **filters: str,
    ) -> list[str]:
        """The ids a walk must yield: the filtered rows in the server's order.

        `filters` are query pairs as sent (`created_at[after]=...`). `starting_after` (the
        caller's own cursor) keeps the rows past it, by this server's `cursor_inclusive`;
        `max_items` keeps the first ones.
        """
        name = order or "-created_at"
        ids = [
            row.id
            for row in self._select(self.ordered(name), list(filters.items()))
            if starting_after is None or self._past_cursor(row, name, starting_after)
        ]
        return ids if max_items is None else ids[:max_items]

    # -- the endpoint ---------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        assert request.url.path == "/v1/customers"
        pairs = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
        self.requests.append(pairs)
        if self.on_request is not None:
            self.on_request(self, pairs)
        query = dict(pairs)
        limit = int(query.get("limit", "10"))
        page = int(query.get("page", "1"))
        if not 1 <= limit <= 100 or not 1 <= page <= MAX_PAGE:
            return _error(400, "invalid_query_params", f"limit {limit} / page {page} out of range")
        order = query.get("order", "-created_at")
        if order not in ORDERS:
            return _error(400, "invalid_query_params", f"order {order!r}")
        selected = self._select(self.ordered(order), pairs)
        remaining = selected
        if "starting_after" in query:
            cursor = parse(query["starting_after"])
            remaining = [row for row in selected if self._past_cursor(row, order, cursor)]
        start = (page - 1) * limit
        # {"object": "list", "data_ref": "customers", "customers": [...], "total": n[, has_more]}
        # from each row's JSON, made once, instead of encoding every customer on every page.
        customers = b", ".join(row.encoded for row in remaining[start : start + limit])
        body = b'{"object": "list", "data_ref": "customers", "customers": [%b], "total": %d' % (
            customers,
            len(selected),
        )
        if self.send_has_more:
            body += b', "has_more": %b' % json.dumps(len(remaining) > start + limit).encode()
        return httpx.Response(
            200, content=body + b"}", headers={"Content-Type": "application/json"}
        )

    def _past_cursor(self, row: Row, order: str, cursor: datetime) -> bool:
        stamp = row.stamp(order)
        if order in ("created_at", "updated_at"):
            return stamp >= cursor if self.cursor_inclusive else stamp > cursor
        return stamp <= cursor if self.cursor_inclusive else stamp < cursor

    def _select(self, rows: list[Row], pairs: Sequence[tuple[str, str]]) -> list[Row]:
        """The `rows` that pass the filters among `pairs` (query pairs as sent), in order."""
        tests: list[Callable[[Row], bool]] = []
        for name, value in pairs:
            if name in DATE_FILTERS:
                stamp = attrgetter("created_at" if name.startswith("created") else "updated_at")
                compare = {
                    (True, False): operator.lt,
                    (True, True): operator.le,
                    (False, False): operator.gt,
                    (False, True): operator.ge,
                }[name.endswith("[before]"), self.filter_inclusive]
                bound = parse(value)
                tests.append(lambda row, s=stamp, c=compare, b=bound: c(s(row), b))
            elif name in ("city", "name"):
                tests.append(lambda row, a=attrgetter(name), v=value: a(row) == v)
            elif name == "segment_id":
                tests.append(lambda row, v=value: v in row.segments)
        for test in tests:
            rows = list(filter(test, rows))
        return rows

    # -- the client -----------------------------------------------------------------------------

    def client(self) -> AsyncClient:
        """A client talking to this fake, retries off."""
        return AsyncClient(
            "app-id",
            "secret-key",
            base_url=BASE_URL,
            max_retries=0,
            transport=httpx.MockTransport(self.handler),
        )

    # -- what was sent --------------------------------------------------------------------------

    def sent(self, name: str) -> list[str | None]:
        """The value of `name` in each request (`None` where absent)."""
        return [dict(pairs).get(name) for pairs in self.requests]


def _error(status: int, key: str, details: str) -> httpx.Response:
    body = {"code": status, "key": key, "message": "Invalid query", "details": details}
    return httpx.Response(
        status, content=json.dumps(body), headers={"content-type": "application/json"}
    )


#: `(cursor_inclusive, filter_inclusive)`: every combination the cursor must work on blind.
SEMANTICS = [
    pytest.param((False, False), id="cursor-excl-filter-excl"),
    pytest.param((False, True), id="cursor-excl-filter-incl"),
    pytest.param((True, False), id="cursor-incl-filter-excl"),
    pytest.param((True, True), id="cursor-incl-filter-incl"),
]
#: Runs a test once per `SEMANTICS`, as its `semantics` argument: `ListServer(rows, *semantics)`.
every_semantics = pytest.mark.parametrize("semantics", SEMANTICS)


async def walk(server: ListServer, *, prefetch: bool = False, **options: Any) -> list[str]:
    """The ids `iter_all(**options)` yields from `server`; in `async with pager:` if `prefetch`."""
    async with server.client() as client:
        with anyio.fail_after(GUARD):
            pager = client.customers.iter_all(**options)
            if not prefetch:
                return [c.id or "" async for c in pager]
            async with pager:
                return [c.id or "" async for c in pager]

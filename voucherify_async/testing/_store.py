"""The fake's in-memory state and the semantics of the customer endpoints.

Ordering of list customers: ties on the sort timestamp (same millisecond, as bulk imports
produce) are broken by `id` in the same direction, so every order is total and stable.
Date filters (`created_at[before]` ...) and the `starting_after` cursor are strict bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._activity import ActivityEvent
from ._customers import CustomerRecord, validate_changes
from ._errors import invalid_payload, not_found
from ._query import FakeQuery
from ._redeemables import Holder
from ._wire import Clock, IdFactory, to_ms, wire_datetime

CUSTOMER_ORDERS = frozenset(
    {"created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"}
)

_DATE_FILTERS = (
    "created_at[before]",
    "created_at[after]",
    "updated_at[before]",
    "updated_at[after]",
)


@dataclass
class StoredSegment:
    """A static segment: a name and the ids of its member customers."""

    id: str
    name: str
    customer_ids: set[str] = field(default_factory=set)

    def render(self) -> dict[str, Any]:
        """Return the segment as a `SimpleSegment` object."""
        return {"id": self.id, "name": self.name, "object": "segment"}


class Store:
    """All data of one fake API: customers, segments, events, redeemables and async actions."""

    def __init__(self, clock: Clock, ids: IdFactory) -> None:
        self._clock = clock
        self.ids = ids
        self.customers: dict[str, CustomerRecord] = {}
        self.by_source_id: dict[str, str] = {}
        self.segments: dict[str, StoredSegment] = {}
        self.events: dict[str, list[ActivityEvent]] = {}
        self.holders: dict[str, list[Holder]] = {}
        self.async_actions: dict[str, dict[str, Any]] = {}

    def now(self) -> datetime:
        """Return the clock's time, truncated to the millisecond."""
        return to_ms(self._clock())

    # -- lookup -----------------------------------------------------------------------------

    def find(self, customer_id: str) -> CustomerRecord | None:
        """Return the customer whose `id` or else `source_id` is `customer_id`."""
        record = self.customers.get(customer_id)
        if record is None and customer_id in self.by_source_id:
            record = self.customers[self.by_source_id[customer_id]]
        return record

    def get(self, customer_id: str) -> CustomerRecord:
        """Return the customer or raise the API's 404."""
        record = self.find(customer_id)
        if record is None:
            raise not_found("customer", customer_id)
        return record

    # -- writes -----------------------------------------------------------------------------

    def insert(
        self, changes: dict[str, Any], *, source_id: str | None, at: datetime
    ) -> CustomerRecord:
        """Create a customer from validated `changes` stamped `at` (ms precision)."""
        at = to_ms(at)
        record = CustomerRecord(
            id=self.ids.random_id("cust_"), created_at=at, updated_at=at, source_id=source_id
        )
        record.apply({k: v for k, v in changes.items() if v is not None}, at)
        self.customers[record.id] = record
        if source_id is not None:
            self.by_source_id[source_id] = record.id
        return record

    def upsert(self, body: Any, *, at: datetime | None = None) -> CustomerRecord:
        """Create or update from a POST /v1/customers body (match by `id`, then `source_id`).

        Raises:
            FakeAPIError: 400 for an invalid body, 404 for an unknown `id`.
        """
        changes = validate_changes(body)
        at = to_ms(at) if at is not None else self.now()
        customer_id, source_id = body.get("id"), body.get("source_id")
        if customer_id is not None:
            record = self.customers.get(customer_id)
            if record is None:
                raise not_found("customer", customer_id)
        elif source_id is not None and source_id in self.by_source_id:
            record = self.customers[self.by_source_id[source_id]]
        else:
            return self.insert(changes, source_id=source_id, at=at)
        record.apply(changes, at)
        return record

    def update(self, customer_id: str, body: Any) -> CustomerRecord:
        """Merge a PUT body into an existing customer: fields left out stay unchanged."""
        record = self.get(customer_id)
        record.apply(validate_changes(body), self.now())
        return record

    def delete(self, customer_id: str) -> CustomerRecord:
        """Remove a customer and everything held for it; return the removed record."""
        record = self.get(customer_id)
        del self.customers[record.id]
        if record.source_id is not None:
            self.by_source_id.pop(record.source_id, None)
        for segment in self.segments.values():
            segment.customer_ids.discard(record.id)
        return record

    def delete_permanently(self, customer_id: str) -> dict[str, Any]:
        """Delete a customer with its events and return the `pernament_deletion` object."""
        record = self.get(customer_id)
        segments = sum(1 for s in self.segments.values() if record.id in s.customer_ids)
        self.delete(customer_id)
        events = self.events.pop(record.id, [])
        self.holders.pop(record.id, None)
        return {
            "id": self.ids.random_id("del_"),
            "created_at": wire_datetime(self.now()),
            "related_object_id": record.id,
            "related_object": "customer",
            "status": "DONE",
            "data_json": {
                "events": len(events),
                "customer_events": len(events),
                "daily_events": 0,
                "segments": segments,
                "orders": 0,
                "order_events": 0,
                "customer": 1,
            },
            "object": "pernament_deletion",
        }

    def update_consents(self, customer_id: str, body: Any) -> None:
        """Store consents `{consent_id: bool}` (or `unsubscribed`) for a customer.

        Raises:
            FakeAPIError: 400 `invalid_payload` for an empty or non-boolean body; 404.
        """
        if not isinstance(body, dict):
            raise invalid_payload("The payload must be an object")
        if not body:
            raise invalid_payload("The payload cannot be empty")
        for key, value in body.items():
            if not isinstance(value, bool):
                raise invalid_payload(f"{key}: must be a boolean")
        record = self.get(customer_id)
        if body.get("unsubscribed") is True:
            record.consents = {key: False for key in record.consents}
        record.consents.update({k: v for k, v in body.items() if k != "unsubscribed"})

    # -- list customers ---------------------------------------------------------------------

    def list_customers(self, query: FakeQuery) -> dict[str, Any]:
        """Answer GET /v1/customers: filters, order, `starting_after` and `page`.

        `starting_after` keeps customers strictly before the instant in the newest-first
        orders (default, `-created_at`, `-updated_at`, `source_id`, `-source_id`
        compare `created_at`) and strictly after it for `created_at` and `updated_at`
        (`updated_at` orders compare `updated_at`). `total` counts the customers
        matching the filters, cursor aside; `has_more` tells whether items follow the page.
        """
        limit = query.limit()
        page = query.integer("page", default=1, low=1, high=99)
        order = query.choice("order", CUSTOMER_ORDERS, default="-created_at")
        bounds = {name: query.datetime(name) for name in _DATE_FILTERS}
        cursor = query.datetime("starting_after")
        selected = [r for r in self.customers.values() if self._matches(r, query, bounds)]
        selected.sort(key=_sort_key(order), reverse=order.startswith("-"))
        remaining = selected
        if cursor is not None:
            remaining = [r for r in selected if _after_cursor(r, order, cursor)]
        start = (page - 1) * limit
        return {
            "object": "list",
            "data_ref": "customers",
            "customers": [record.render() for record in remaining[start : start + limit]],
            "total": len(selected),
            "has_more": len(remaining) > start + limit,
        }

    def _matches(
        self, record: CustomerRecord, query: FakeQuery, bounds: dict[str, datetime | None]
    ) -> bool:
        checks: list[tuple[str, Callable[[str], bool]]] = [
            ("email", lambda v: str(record.fields.get("email", "")).lower() == v.lower()),
            ("name", lambda v: record.fields.get("name") == v),
            ("city", lambda v: (record.fields.get("address") or {}).get("city") == v),
            ("segment_id", lambda v: record.id in self._segment_members(v)),
        ]
        for name, check in checks:
            value = query.get(name)
            if value is not None and not check(value):
                return False
        for name, bound in bounds.items():
            if bound is None:
                continue
            actual = record.created_at if name.startswith("created") else record.updated_at
            if not (actual < bound if name.endswith("[before]") else actual > bound):
                return False
        return True

    def _segment_members(self, segment_id: str) -> set[str]:
        segment = self.segments.get(segment_id)
        return segment.customer_ids if segment is not None else set()


def _sort_key(order: str) -> Callable[[CustomerRecord], tuple[Any, str]]:
    name = order.lstrip("-")
    if name == "source_id":
        return lambda record: (record.source_id or "", record.id)
    if name == "updated_at":
        return lambda record: (record.updated_at, record.id)
    return lambda record: (record.created_at, record.id)


def _after_cursor(record: CustomerRecord, order: str, cursor: datetime) -> bool:
    stamp = record.updated_at if order.lstrip("-") == "updated_at" else record.created_at
    if order in ("created_at", "updated_at"):
        return stamp > cursor
    return stamp < cursor

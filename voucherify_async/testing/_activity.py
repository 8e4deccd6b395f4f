"""Customer activity events and the two activity list endpoints (`/activity`, `/activities`).

Event ids (`evcus_` + 18 hex digits) grow with `created_at` and then with creation order, so
ordering by id is ordering by time with ties broken deterministically — cursors compare ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._query import FakeQuery
from ._wire import wire_datetime

CAMPAIGN_TYPES = frozenset(
    {"PROMOTION", "GIFT_VOUCHERS", "REFERRAL_PROGRAM", "DISCOUNT_COUPONS", "LOYALTY_PROGRAM"}
)
CATEGORIES = frozenset({"ACTION", "EFFECT"})
OLD_ORDERS = frozenset(
    {
        *("created_at", "-created_at", "updated_at", "-updated_at", "type", "-type"),
        *("code", "-code", "campaign", "-campaign", "category", "-category"),
    }
)
NEW_ORDERS = frozenset({"created_at", "-created_at"})

SEED_TYPES: tuple[tuple[str, str], ...] = (
    ("customer.created", "ACTION"),
    ("customer.updated", "ACTION"),
    ("customer.custom_event", "ACTION"),
    ("customer.rewarded.loyalty_points", "EFFECT"),
    ("customer.redemption.succeeded", "ACTION"),
)
"""Event types the seeding helper cycles through, with their category."""


@dataclass
class ActivityEvent:
    """One customer event as the fake stores it."""

    id: str
    customer_id: str
    type: str
    category: str
    created_at: datetime
    group_id: str
    customer: dict[str, Any]
    campaign_id: str | None = None
    campaign_type: str | None = None
    product_id: str | None = None

    def render(self) -> dict[str, Any]:
        """Return the event as a `CustomerActivity` object."""
        payload: dict[str, Any] = {"customer": dict(self.customer)}
        if self.campaign_id is not None:
            payload["campaign"] = {"id": self.campaign_id, "type": self.campaign_type}
        return {
            "id": self.id,
            "type": self.type,
            "data": {"data": payload, "event_source": {"channel": "API"}},
            "created_at": wire_datetime(self.created_at),
            "group_id": self.group_id,
        }


def _filtered(events: list[ActivityEvent], query: FakeQuery, *, new: bool) -> list[ActivityEvent]:
    start = query.datetime("start_date")
    end = query.datetime("end_date")
    campaign_id = query.get("campaign_id")
    campaign_type = query.optional_choice("campaign_type", CAMPAIGN_TYPES)
    category = query.optional_choice("category", CATEGORIES) if new else None
    event_type = query.get("type") if new else None
    product_id = None if new else query.get("product_id")
    selected = []
    for event in events:
        if start is not None and event.created_at < start:
            continue
        if end is not None and event.created_at > end:
            continue
        if campaign_id is not None and event.campaign_id != campaign_id:
            continue
        if campaign_type is not None and event.campaign_type != campaign_type:
            continue
        if category is not None and event.category != category:
            continue
        if event_type is not None and event.type != event_type:
            continue
        if product_id is not None and event.product_id != product_id:
            continue
        selected.append(event)
    return selected


def _after_id(events: list[ActivityEvent], cursor: str | None, *, descending: bool) -> list[Any]:
    if cursor is None:
        return events
    if descending:
        return [event for event in events if event.id < cursor]
    return [event for event in events if event.id > cursor]


def list_activity(events: list[ActivityEvent], query: FakeQuery) -> dict[str, Any]:
    """Answer GET /v1/customers/{id}/activity (cursor `starting_after_id`, `has_more`).

    `start_date`/`end_date` are inclusive. The default order is newest first.
    """
    limit = query.limit()
    descending = query.choice("order", NEW_ORDERS, default="-created_at").startswith("-")
    selected = sorted(_filtered(events, query, new=True), key=lambda e: e.id, reverse=descending)
    remaining = _after_id(selected, query.get("starting_after_id"), descending=descending)
    page = remaining[:limit]
    body: dict[str, Any] = {
        "object": "list",
        "data_ref": "data",
        "data": [event.render() for event in page],
        "has_more": len(remaining) > limit,
    }
    if body["has_more"]:
        body["more_starting_after"] = page[-1].id
    return body


def list_activities(events: list[ActivityEvent], query: FakeQuery) -> dict[str, Any]:
    """Answer the older GET /v1/customers/{id}/activities (`total`; date or id cursor).

    Only `created_at`/`-created_at` orders mean anything; the other values of the generic
    order enum are accepted and give the default, newest first. `starting_after` (date-time)
    is exclusive: newest-first pages hold events created strictly before it, `created_at`
    order strictly after. `total` counts the events matching the filters, cursor aside.
    """
    limit = query.limit()
    descending = query.choice("order", OLD_ORDERS, default="-created_at") != "created_at"
    selected = sorted(_filtered(events, query, new=False), key=lambda e: e.id, reverse=descending)
    remaining = _after_id(selected, query.get("starting_after_id"), descending=descending)
    after = query.datetime("starting_after")
    if after is not None:
        if descending:
            remaining = [event for event in remaining if event.created_at < after]
        else:
            remaining = [event for event in remaining if event.created_at > after]
    return {
        "object": "list",
        "data_ref": "data",
        "data": [event.render() for event in remaining[:limit]],
        "total": len(selected),
    }

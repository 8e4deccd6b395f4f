"""Query strings of the customers list endpoints, built and checked before anything is sent.

The list methods and their pagers (`iter_all`, ...) build their filters here, so a filter is
spelled, checked and encoded once for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._params import (
    check_choice,
    check_int_range,
    check_text,
    deep_object_query,
    encode_datetime,
)
from ._types import DateTimeArg, Query

__all__ = [
    "ACTIVITIES_ORDERS",
    "ACTIVITY_ORDERS",
    "CUSTOMER_ORDERS",
    "MAX_LIMIT",
    "MAX_PAGE",
    "REDEEMABLE_ORDERS",
    "QueryBuilder",
    "activities_filters",
    "activity_filters",
    "customer_filters",
    "redeemable_filters",
]

CUSTOMER_ORDERS: Final = (
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "source_id",
    "-source_id",
)
ACTIVITY_ORDERS: Final = ("created_at", "-created_at")
ACTIVITIES_ORDERS: Final = (
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "type",
    "-type",
    "code",
    "-code",
    "campaign",
    "-campaign",
    "category",
    "-category",
)
REDEEMABLE_ORDERS: Final = ("id", "-id")
MAX_LIMIT: Final = 100
MAX_PAGE: Final = 99


class QueryBuilder:
    """Builds a query string from optional arguments, checking each one as it goes."""

    def __init__(self) -> None:
        self.pairs: Query = []

    def text(self, name: str, value: str | None, wire: str | None = None) -> QueryBuilder:
        if value is not None:
            self.pairs.append((wire or name, check_text(value, name)))
        return self

    def limit(self, value: int | None) -> QueryBuilder:
        if value is not None:
            self.pairs.append(("limit", str(check_int_range(value, "limit", 1, MAX_LIMIT))))
        return self

    def page(self, value: int | None) -> QueryBuilder:
        if value is not None:
            self.pairs.append(("page", str(check_int_range(value, "page", 1, MAX_PAGE))))
        return self

    def order(self, value: str | None, allowed: tuple[str, ...]) -> QueryBuilder:
        if value is not None:
            self.pairs.append(("order", check_choice(value, "order", allowed)))
        return self

    def datetime(
        self, name: str, value: DateTimeArg | None, wire: str | None = None
    ) -> QueryBuilder:
        if value is not None:
            self.pairs.append((wire or name, encode_datetime(value, name)))
        return self


def customer_filters(
    query: QueryBuilder,
    *,
    email: str | None,
    city: str | None,
    name: str | None,
    segment_id: str | None,
    created_at_before: DateTimeArg | None,
    created_at_after: DateTimeArg | None,
    updated_at_before: DateTimeArg | None,
    updated_at_after: DateTimeArg | None,
    order: str | None,
) -> QueryBuilder:
    """The filters and order of list customers, shared with the pager."""
    return (
        query.text("email", email)
        .text("city", city)
        .text("name", name)
        .text("segment_id", segment_id)
        .datetime("created_at_before", created_at_before, "created_at[before]")
        .datetime("created_at_after", created_at_after, "created_at[after]")
        .datetime("updated_at_before", updated_at_before, "updated_at[before]")
        .datetime("updated_at_after", updated_at_after, "updated_at[after]")
        .order(order, CUSTOMER_ORDERS)
    )


def activity_filters(
    query: QueryBuilder,
    *,
    limit: int | None,
    order: str | None,
    starting_after_id: str | None,
    start_date: DateTimeArg | None,
    end_date: DateTimeArg | None,
    campaign_id: str | None,
    campaign_type: str | None,
    category: str | None,
    type: str | None,
) -> QueryBuilder:
    """The query of the activity endpoint, shared with its pager."""
    return (
        query.limit(limit)
        .order(order, ACTIVITY_ORDERS)
        .text("starting_after_id", starting_after_id)
        .datetime("start_date", start_date)
        .datetime("end_date", end_date)
        .text("campaign_id", campaign_id)
        .text("campaign_type", campaign_type)
        .text("category", category)
        .text("type", type)
    )


def activities_filters(
    query: QueryBuilder,
    *,
    limit: int | None,
    order: str | None,
    starting_after: DateTimeArg | None,
    starting_after_id: str | None,
    campaign_type: str | None,
    campaign_id: str | None,
    product_id: str | None,
    start_date: DateTimeArg | None,
    end_date: DateTimeArg | None,
) -> QueryBuilder:
    """The query of the older `/activities` endpoint, shared with its pager."""
    return (
        query.limit(limit)
        .order(order, ACTIVITIES_ORDERS)
        .datetime("starting_after", starting_after)
        .text("starting_after_id", starting_after_id)
        .text("campaign_type", campaign_type)
        .text("campaign_id", campaign_id)
        .text("product_id", product_id)
        .datetime("start_date", start_date)
        .datetime("end_date", end_date)
    )


def redeemable_filters(
    query: QueryBuilder,
    *,
    limit: int | None,
    order: str | None,
    starting_after_id: str | None,
    filters: Mapping[str, Any] | None,
) -> QueryBuilder:
    """The query of the redeemables endpoint, shared with its pager."""
    query.limit(limit).order(order, REDEEMABLE_ORDERS).text("starting_after_id", starting_after_id)
    if filters is not None:
        query.pairs.extend(deep_object_query(filters, "filters"))
    return query

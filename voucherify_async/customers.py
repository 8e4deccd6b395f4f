"""The customers API: `/v1/customers` and the client-side consents endpoint.

Bound to a client as `client.customers`. `customer_id` everywhere is a Voucherify id (`cust_...`)
or your `source_id`; it is percent-encoded as one path segment, so any string is safe.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar, overload

from ._bodies import (
    MAX_BULK_RECORDS,
    BulkRecord,
    BulkRecords,
    bulk_body,
    consents_body,
    customer_body,
    metadata_body,
    names_a_customer,
    source_ids_body,
)
from ._cursors import Cursor, LastItemCursor, NextIdCursor, customers_cursor
from ._models import (
    ActivitiesPage,
    ActivityPage,
    Address,
    AsyncAction,
    AsyncActionRef,
    Customer,
    CustomerActivity,
    CustomerRedeemable,
    CustomersPage,
    PermanentDeletion,
    RedeemablesPage,
    SegmentsList,
)
from ._pagination import AsyncPager
from ._params import check_int_range, check_path, encode_datetime, path_segment
from ._queries import (
    ACTIVITIES_ORDERS,
    ACTIVITY_ORDERS,
    CUSTOMER_ORDERS,
    MAX_LIMIT,
    REDEEMABLE_ORDERS,
    QueryBuilder,
    activities_filters,
    activity_filters,
    customer_filters,
    redeemable_filters,
)
from ._raw import raw_variant
from ._resource import APIResource
from ._types import NOT_GIVEN, DateArg, DateTimeArg, NotGiven, Query

__all__ = [
    "ACTIVITIES_ORDERS",
    "ACTIVITY_ORDERS",
    "CUSTOMER_ORDERS",
    "MAX_BULK_RECORDS",
    "REDEEMABLE_ORDERS",
    "Customers",
    "CustomersWithRawResponse",
]

AddressArg = Address | Mapping[str, Any]
CsvSource = str | os.PathLike[str] | bytes | IO[bytes]
P = TypeVar("P")
T = TypeVar("T")
_Refs = list[AsyncActionRef]  # `list` is shadowed by Customers.list inside the class
_Actions = list[AsyncAction]
_Records = list[dict[str, Any]]

BASE: Final = "/v1/customers"


class Customers(APIResource):
    """The customers endpoints, bound to one `AsyncClient` (use `client.customers`)."""

    @functools.cached_property
    def with_raw_response(self) -> CustomersWithRawResponse:
        """The same endpoints, each returning a `RawResponse`: the result, status, headers.

        `await client.customers.with_raw_response.get(id)` returns a `RawResponse[Customer]`.
        The `iter_*` pagers and `bulk_update` send many requests and have no raw variant.
        """
        return CustomersWithRawResponse(self)

    async def create(
        self,
        *,
        id: str | NotGiven = NOT_GIVEN,
        source_id: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        phone: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        address: AddressArg | NotGiven | None = NOT_GIVEN,
        birthdate: DateArg | NotGiven | None = NOT_GIVEN,
        birthday: DateArg | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Customer:
        """Create a customer, or update the one with this `id`/`source_id` (an upsert).

        `POST /v1/customers`. Only the arguments you pass are sent.

        Returns:
            The customer as stored.

        Raises:
            TypeError: for an argument of the wrong type (nothing is sent).
            ValueError: for a malformed date, or a naive datetime or NaN/infinite float in
                `metadata` or `address`, naming its key path (nothing is sent).
            APIStatusError: when the API refuses the request.
        """
        body = customer_body(
            id=id,
            source_id=source_id,
            name=name,
            email=email,
            phone=phone,
            description=description,
            address=address,
            birthdate=birthdate,
            birthday=birthday,
            metadata=metadata,
        )
        # With `id` or `source_id` it is an upsert: repeating it is harmless, so it may be retried.
        upsert = names_a_customer(body)
        return await self._request("POST", BASE, Customer, json_body=body, idempotent=upsert)

    async def get(self, customer_id: str) -> Customer:
        """Get one customer by id or `source_id`. `GET /v1/customers/{customerId}`.

        Raises:
            NotFoundError: no customer has that id or source_id.
        """
        path = f"{BASE}/{path_segment(customer_id)}"
        return await self._request("GET", path, Customer)

    async def update(
        self,
        customer_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        phone: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        address: AddressArg | NotGiven | None = NOT_GIVEN,
        birthdate: DateArg | NotGiven | None = NOT_GIVEN,
        birthday: DateArg | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Customer:
        """Update a customer's fields. `PUT /v1/customers/{customerId}`.

        Fields you do not pass are not sent and stay unchanged; passing `None` sends `null`,
        which clears the field.

        Raises:
            NotFoundError: no customer has that id or source_id.
            ValueError: for a malformed date, or a naive datetime or NaN/infinite float in
                `metadata` or `address`, naming its key path (nothing is sent).
        """
        path = f"{BASE}/{path_segment(customer_id)}"
        body = customer_body(
            name=name,
            email=email,
            phone=phone,
            description=description,
            address=address,
            birthdate=birthdate,
            birthday=birthday,
            metadata=metadata,
        )
        return await self._request("PUT", path, Customer, json_body=body)

    async def delete(self, customer_id: str) -> None:
        """Delete a customer. `DELETE /v1/customers/{customerId}` (204).

        Raises:
            NotFoundError: no customer has that id or source_id.
        """
        await self._send("DELETE", f"{BASE}/{path_segment(customer_id)}", expect=204)

    async def delete_permanently(self, customer_id: str) -> PermanentDeletion:
        """Delete a customer and all their data for good (GDPR).

        `POST /v1/customers/{customerId}/permanent-deletion`.

        Raises:
            NotFoundError: no customer has that id or source_id.
        """
        path = f"{BASE}/{path_segment(customer_id)}/permanent-deletion"
        return await self._request("POST", path, PermanentDeletion)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        email: str | None = None,
        city: str | None = None,
        name: str | None = None,
        segment_id: str | None = None,
        created_at_before: DateTimeArg | None = None,
        created_at_after: DateTimeArg | None = None,
        updated_at_before: DateTimeArg | None = None,
        updated_at_after: DateTimeArg | None = None,
        order: str | None = None,
        starting_after: DateTimeArg | None = None,
    ) -> CustomersPage:
        """List one page of customers. `GET /v1/customers`.

        Args:
            limit: page size, 1..100 (the API's default is 10).
            page: page number, 1..99 (the API's cap).
            email: only customers with this e-mail.
            city: only customers in this city.
            name: only customers with this name.
            segment_id: only customers in this segment.
            created_at_before: sent as `created_at[before]`; aware datetime or ISO-8601 string.
            created_at_after: sent as `created_at[after]`.
            updated_at_before: sent as `updated_at[before]`.
            updated_at_after: sent as `updated_at[after]`.
            order: one of `CUSTOMER_ORDERS`; the API's default is newest first.
            starting_after: a `created_at` (or `updated_at` for those orders) cursor.

        Returns:
            One page; `.customers` holds the items, `.total` the count of all matches.

        Raises:
            ValueError: for an out-of-range limit/page, an unknown order or a naive datetime.
        """
        query = customer_filters(
            QueryBuilder().limit(limit).page(page),
            email=email,
            city=city,
            name=name,
            segment_id=segment_id,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            updated_at_before=updated_at_before,
            updated_at_after=updated_at_after,
            order=order,
        ).datetime("starting_after", starting_after)
        return await self._request("GET", BASE, CustomersPage, params=query.pairs)

    async def list_activity(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        starting_after_id: str | None = None,
        start_date: DateTimeArg | None = None,
        end_date: DateTimeArg | None = None,
        campaign_id: str | None = None,
        campaign_type: str | None = None,
        category: str | None = None,
        type: str | None = None,
    ) -> ActivityPage:
        """List one page of a customer's events. `GET /v1/customers/{customerId}/activity`.

        Args:
            customer_id: the customer's id or source_id.
            limit: page size, 1..100.
            order: `created_at` or `-created_at`.
            starting_after_id: the cursor, an event id (`more_starting_after` of the last page).
            start_date: only events at or after this time.
            end_date: only events before this time.
            campaign_id: only events of this campaign.
            campaign_type: e.g. `LOYALTY_PROGRAM`, `PROMOTION`.
            category: `ACTION` or `EFFECT`.
            type: an event name such as `customer.created`.

        Raises:
            NotFoundError: no customer has that id or source_id.
        """
        path = f"{BASE}/{path_segment(customer_id)}/activity"
        query = activity_filters(
            QueryBuilder(),
            limit=limit,
            order=order,
            starting_after_id=starting_after_id,
            start_date=start_date,
            end_date=end_date,
            campaign_id=campaign_id,
            campaign_type=campaign_type,
            category=category,
            type=type,
        )
        return await self._request("GET", path, ActivityPage, params=query.pairs)

    async def list_activities(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        starting_after: DateTimeArg | None = None,
        starting_after_id: str | None = None,
        campaign_type: str | None = None,
        campaign_id: str | None = None,
        product_id: str | None = None,
        start_date: DateTimeArg | None = None,
        end_date: DateTimeArg | None = None,
    ) -> ActivitiesPage:
        """List one page of a customer's events from the older, deprecated endpoint.

        `GET /v1/customers/{customerId}/activities`. Prefer `list_activity`.

        Args:
            customer_id: the customer's id or source_id.
            limit: page size, 1..100.
            order: one of `ACTIVITIES_ORDERS`; only `created_at`/`-created_at` are meaningful.
            starting_after: a `created_at` cursor.
            starting_after_id: an event id cursor.
            campaign_type: e.g. `LOYALTY_PROGRAM`.
            campaign_id: only events of this campaign.
            product_id: only events about this product.
            start_date: only events at or after this time.
            end_date: only events before this time.
        """
        path = f"{BASE}/{path_segment(customer_id)}/activities"
        query = activities_filters(
            QueryBuilder(),
            limit=limit,
            order=order,
            starting_after=starting_after,
            starting_after_id=starting_after_id,
            campaign_type=campaign_type,
            campaign_id=campaign_id,
            product_id=product_id,
            start_date=start_date,
            end_date=end_date,
        )
        return await self._request("GET", path, ActivitiesPage, params=query.pairs)

    async def list_redeemables(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        starting_after_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> RedeemablesPage:
        """List one page of the redeemables a customer holds.

        `GET /v1/customers/{customerId}/redeemables`.

        Args:
            customer_id: the customer's id or source_id.
            limit: page size, 1..100.
            order: `id` or `-id`.
            starting_after_id: the cursor, a holder id (`more_starting_after` of the last page).
            filters: a nested mapping sent as the deepObject query `filters[...]`, e.g.
                `{"holder_role": {"conditions": {"$is": "OWNER"}}, "junction": "and"}`.

        Raises:
            NotFoundError: no customer has that id or source_id.
        """
        path = f"{BASE}/{path_segment(customer_id)}/redeemables"
        query = redeemable_filters(
            QueryBuilder(),
            limit=limit,
            order=order,
            starting_after_id=starting_after_id,
            filters=filters,
        )
        return await self._request("GET", path, RedeemablesPage, params=query.pairs)

    def iter_all(
        self,
        *,
        limit: int = MAX_LIMIT,
        email: str | None = None,
        city: str | None = None,
        name: str | None = None,
        segment_id: str | None = None,
        created_at_before: DateTimeArg | None = None,
        created_at_after: DateTimeArg | None = None,
        updated_at_before: DateTimeArg | None = None,
        updated_at_after: DateTimeArg | None = None,
        order: str | None = None,
        starting_after: DateTimeArg | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[Customer]:
        """Iterate every customer matching the filters, page after page (`GET /v1/customers`).

        Date orders (the default newest-first, `created_at`, `updated_at`, `-created_at`,
        `-updated_at`) follow the `starting_after` cursor, tie-safe: each customer is yielded
        once even when thousands share one millisecond. `source_id` orders walk `page`, which
        the API caps at 99 pages.

        Args:
            limit: page size of every request, 1..100.
            email: as in `list`; so are the other filters, sent on every page request.
            city: only customers in this city.
            name: only customers with this name.
            segment_id: only customers in this segment.
            created_at_before: sent as `created_at[before]`.
            created_at_after: sent as `created_at[after]`.
            updated_at_before: sent as `updated_at[before]`.
            updated_at_after: sent as `updated_at[after]`.
            order: one of `CUSTOMER_ORDERS`; default newest first.
            starting_after: where to start: a `created_at` (`updated_at` for those orders).
            max_items: stop after this many customers; no request is sent past them.

        Returns:
            An `AsyncPager`: `async for customer in ...`, or `async with ... as pager` to fetch
            the next page while the current one is processed. Nothing is sent before iterating.

        Raises:
            ValueError: for a bad argument, at the call (nothing is sent).
            VoucherifyError: while iterating, when a `source_id` walk reaches the page cap with
                more customers left, or more than 99 pages of `limit` customers share one
                millisecond.
        """
        query = customer_filters(
            QueryBuilder(),
            email=email,
            city=city,
            name=name,
            segment_id=segment_id,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            updated_at_before=updated_at_before,
            updated_at_after=updated_at_after,
            order=order,
        )
        first = (
            None if starting_after is None else encode_datetime(starting_after, "starting_after")
        )
        cursor = customers_cursor(query.pairs, order=order, starting_after=first)
        return self._pager(BASE, CustomersPage, cursor, limit, max_items)

    def iter_activity(
        self,
        customer_id: str,
        *,
        limit: int = MAX_LIMIT,
        order: str | None = None,
        starting_after_id: str | None = None,
        start_date: DateTimeArg | None = None,
        end_date: DateTimeArg | None = None,
        campaign_id: str | None = None,
        campaign_type: str | None = None,
        category: str | None = None,
        type: str | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[CustomerActivity]:
        """Iterate a customer's events, following `more_starting_after` while `has_more`.

        `GET /v1/customers/{customerId}/activity`, repeated. The arguments are `list_activity`'s
        (sent on every page request), plus `max_items`; `starting_after_id` is where to start.
        """
        path = f"{BASE}/{path_segment(customer_id)}/activity"
        query = activity_filters(
            QueryBuilder(),
            limit=None,
            order=order,
            starting_after_id=None,
            start_date=start_date,
            end_date=end_date,
            campaign_id=campaign_id,
            campaign_type=campaign_type,
            category=category,
            type=type,
        )
        cursor: NextIdCursor[CustomerActivity] = NextIdCursor(
            query.pairs, QueryBuilder().text("starting_after_id", starting_after_id).pairs
        )
        return self._pager(path, ActivityPage, cursor, limit, max_items)

    def iter_activities(
        self,
        customer_id: str,
        *,
        limit: int = MAX_LIMIT,
        order: str | None = None,
        starting_after: DateTimeArg | None = None,
        starting_after_id: str | None = None,
        campaign_type: str | None = None,
        campaign_id: str | None = None,
        product_id: str | None = None,
        start_date: DateTimeArg | None = None,
        end_date: DateTimeArg | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[CustomerActivity]:
        """Iterate a customer's events on the older endpoint, by the last item's cursor.

        `GET /v1/customers/{customerId}/activities`, repeated until a short page. The arguments
        are `list_activities`' (sent on every page request), plus `max_items`; `starting_after`
        and `starting_after_id` are where to start. Prefer `iter_activity`.
        """
        path = f"{BASE}/{path_segment(customer_id)}/activities"
        first = QueryBuilder().datetime("starting_after", starting_after)
        query = activities_filters(
            QueryBuilder(),
            limit=None,
            order=order,
            starting_after=None,
            starting_after_id=None,
            campaign_type=campaign_type,
            campaign_id=campaign_id,
            product_id=product_id,
            start_date=start_date,
            end_date=end_date,
        )
        first.text("starting_after_id", starting_after_id)
        cursor = LastItemCursor(query.pairs, first.pairs)
        return self._pager(path, ActivitiesPage, cursor, limit, max_items)

    def iter_redeemables(
        self,
        customer_id: str,
        *,
        limit: int = MAX_LIMIT,
        order: str | None = None,
        filters: Mapping[str, Any] | None = None,
        starting_after_id: str | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[CustomerRedeemable]:
        """Iterate the redeemables a customer holds, following `more_starting_after`.

        `GET /v1/customers/{customerId}/redeemables`, repeated while `has_more`. The arguments
        are `list_redeemables`' (sent on every page request), plus `max_items`.
        """
        path = f"{BASE}/{path_segment(customer_id)}/redeemables"
        query = redeemable_filters(
            QueryBuilder(), limit=None, order=order, starting_after_id=None, filters=filters
        )
        cursor: NextIdCursor[CustomerRedeemable] = NextIdCursor(
            query.pairs, QueryBuilder().text("starting_after_id", starting_after_id).pairs
        )
        return self._pager(path, RedeemablesPage, cursor, limit, max_items)

    def _pager(
        self,
        path: str,
        page_type: type[P],
        cursor: Cursor[P, T],
        limit: int,
        max_items: int | None,
    ) -> AsyncPager[T]:
        check_int_range(limit, "limit", 1, MAX_LIMIT)
        if max_items is not None:
            check_int_range(max_items, "max_items", 0, _NO_CAP)
        request = self._request

        async def fetch(query: Query) -> P:
            return await request("GET", path, page_type, params=query)

        return AsyncPager(
            fetch, cursor, path=path, limit=limit, max_items=max_items, ahead=self._until_open
        )

    async def list_segments(self, customer_id: str) -> SegmentsList:
        """List the segments a customer belongs to. `GET /v1/customers/{customerId}/segments`.

        The API answers for an unknown id too, with the segments such a customer would match.
        """
        path = f"{BASE}/{path_segment(customer_id)}/segments"
        return await self._request("GET", path, SegmentsList)

    async def import_csv(self, file: CsvSource) -> AsyncActionRef:
        """Import customers from a CSV file, as a server-side async action.

        `POST /v1/customers/importCSV`, multipart with the file in the part `file`.

        Args:
            file: a path (str or PathLike), the CSV as bytes, or a binary file object. A path is
                streamed from disk.

        Returns:
            The async action's id; follow it with `client.async_actions.wait(ref)`.
        """
        if isinstance(file, bytes):
            return await self._upload("customers.csv", file)
        if isinstance(file, str | os.PathLike):
            source = check_path(file, "file")
            # Opening is quick; httpx then streams the file in chunks rather than reading it whole.
            with source.open("rb") as handle:
                return await self._upload(source.name, handle)
        if hasattr(file, "read"):
            name = Path(str(getattr(file, "name", "customers.csv"))).name
            return await self._upload(name, file)
        raise TypeError(f"file must be a path, bytes or a binary file, got {type(file).__name__}")

    async def _upload(self, filename: str, content: bytes | IO[bytes]) -> AsyncActionRef:
        files = {"file": (filename, content, "text/csv")}
        return await self._request(
            "POST", f"{BASE}/importCSV", AsyncActionRef, files=files, expect=202
        )

    async def update_in_bulk(self, records: Iterable[BulkRecord]) -> AsyncActionRef:
        """Upsert up to 100 customers, each named by `source_id`, as one async action.

        `POST /v1/customers/bulk/async` (the body is a JSON array).

        Raises:
            ValueError: for no records, more than 100, a record without `source_id`, or a naive
                datetime or NaN/infinite float in a record (`records[3].metadata.x`).
        """
        return await self._send_bulk(bulk_body(records))

    async def _send_bulk(self, body: _Records) -> AsyncActionRef:
        """Send one encoded, checked chunk of records (see `bulk_body`)."""
        return await self._request(
            "POST", f"{BASE}/bulk/async", AsyncActionRef, json_body=body, expect=202
        )

    @overload
    async def bulk_update(
        self,
        records: BulkRecords,
        *,
        batch_size: int = ...,
        max_concurrency: int = ...,
        wait: Literal[False] = ...,
    ) -> _Refs: ...

    @overload
    async def bulk_update(
        self,
        records: BulkRecords,
        *,
        batch_size: int = ...,
        max_concurrency: int = ...,
        wait: Literal[True],
    ) -> _Actions: ...

    async def bulk_update(
        self,
        records: BulkRecords,
        *,
        batch_size: int = MAX_BULK_RECORDS,
        max_concurrency: int = 4,
        wait: bool = False,
    ) -> _Refs | _Actions:
        """Upsert any number of customers as `update_in_bulk` chunks, a few at a time.

        The records (an iterable or async iterable, e.g. a generator over a CRM export) are read
        lazily, one chunk at a time, so millions of them never sit in memory together.

        Args:
            records: `CustomerUpdate`s or mappings, each with a `source_id`.
            batch_size: records per `POST /v1/customers/bulk/async` call, 1..100.
            max_concurrency: how many chunks are in flight at once.
            wait: also wait for each chunk's async action (`client.async_actions.wait`) and
                return the finished actions; a `FAILED` action is returned, not raised.

        Returns:
            One `AsyncActionRef` per chunk in input order, or with `wait=True` one finished
            `AsyncAction` per chunk.

        Raises:
            BulkUpdateError: a chunk failed (API error, connection error, malformed record, or an
                error of the records' iterator). No further chunk is sent; the error names the
                failed records' index range and holds the chunks that were accepted.
            ValueError: for a `batch_size` or `max_concurrency` out of range (nothing is sent).
        """
        from ._bulk import bulk_update  # rarely used: not loaded by `import voucherify_async`

        chunks = await bulk_update(
            self._send_bulk,
            records,
            batch_size=batch_size,
            max_concurrency=max_concurrency,
            wait=self._client.async_actions.wait if wait else None,
        )
        if wait:
            return [chunk.action for chunk in chunks if chunk.action is not None]
        return [chunk.ref for chunk in chunks]

    async def update_metadata_in_bulk(
        self, source_ids: Iterable[str], metadata: Mapping[str, Any]
    ) -> AsyncActionRef:
        """Set the same metadata on every listed customer (upserting unknown ones).

        `POST /v1/customers/metadata/async`. No count limit beyond the API's 10 MB body.

        Raises:
            ValueError: for no source ids or an empty one, or a naive datetime or NaN/infinite
                float in `metadata` (`metadata.nested.v`).
            TypeError: for a plain string instead of a list of them.
        """
        ids = source_ids_body(source_ids)
        body = {"source_ids": ids, "metadata": metadata_body(metadata)}
        return await self._request(
            "POST", f"{BASE}/metadata/async", AsyncActionRef, json_body=body, expect=202
        )

    async def update_consents(self, customer_id: str, consents: Mapping[str, bool]) -> None:
        """Set a customer's marketing consents. `PUT /v1/customers/{customerId}/consents` (204).

        Args:
            customer_id: the customer's id or source_id.
            consents: `{consent_id: True/False}`, or `{"unsubscribed": True}` to opt out of all.
        """
        path = f"{BASE}/{path_segment(customer_id)}/consents"
        await self._send("PUT", path, json_body=consents_body(consents), expect=204)

    async def update_consents_client_side(
        self, customer_id: str, consents: Mapping[str, bool]
    ) -> None:
        """Set consents with the client-side keys (and `Origin`), never the secret key.

        `PUT /client/v1/customers/{customerId}/consents` (204).
        """
        path = f"/client{BASE}/{path_segment(customer_id)}/consents"
        await self._send("PUT", path, json_body=consents_body(consents), auth="client", expect=204)


class CustomersWithRawResponse:
    """`client.customers.with_raw_response`: every one-request endpoint, returning `RawResponse`.

    Each method takes the arguments of its namesake on `Customers` and returns a `RawResponse`
    of that method's result (`RawResponse[None]` for `delete` and the consents endpoints).
    """

    def __init__(self, customers: Customers) -> None:
        self.create = raw_variant(customers.create)
        self.get = raw_variant(customers.get)
        self.update = raw_variant(customers.update)
        self.delete = raw_variant(customers.delete)
        self.delete_permanently = raw_variant(customers.delete_permanently)
        self.list = raw_variant(customers.list)
        self.list_activity = raw_variant(customers.list_activity)
        self.list_activities = raw_variant(customers.list_activities)
        self.list_redeemables = raw_variant(customers.list_redeemables)
        self.list_segments = raw_variant(customers.list_segments)
        self.import_csv = raw_variant(customers.import_csv)
        self.update_in_bulk = raw_variant(customers.update_in_bulk)
        self.update_metadata_in_bulk = raw_variant(customers.update_metadata_in_bulk)
        self.update_consents = raw_variant(customers.update_consents)
        self.update_consents_client_side = raw_variant(customers.update_consents_client_side)


_NO_CAP: Final = 2**63

"""Never executed: `mypy --strict tests/typing/api.py` checks the public API's types.

Each assignment states the type a user should get back; a wrong annotation in the package shows
up here as a type error.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from voucherify_async import (
    ActivitiesPage,
    ActivityPage,
    Address,
    APIStatusError,
    AsyncAction,
    AsyncActionRef,
    AsyncClient,
    AsyncPager,
    BulkChunk,
    BulkChunkFailure,
    BulkUpdateError,
    Customer,
    CustomerActivity,
    CustomerRedeemable,
    CustomersPage,
    CustomerUpdate,
    NotFoundError,
    PermanentDeletion,
    RateLimitError,
    RateLimitInfo,
    RawResponse,
    RedeemablesPage,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    Segment,
    SegmentsList,
    to_dict,
    to_json,
)


async def customers(client: AsyncClient) -> None:
    created: Customer = await client.customers.create(
        source_id="alice@example.com",
        name="Alice",
        address=Address(city="Oslo"),
        birthdate=date(1990, 1, 2),
        metadata={"tier": 2},
    )
    also: Customer = await client.customers.create(address={"city": "Oslo"}, birthday="1990-01-02")
    fetched: Customer = await client.customers.get("cust_1")
    updated: Customer = await client.customers.update("cust_1", name=None, email="a@b.c")
    await client.customers.delete("cust_1")  # returns None
    receipt: PermanentDeletion = await client.customers.delete_permanently("cust_1")
    page: CustomersPage = await client.customers.list(
        limit=10,
        page=2,
        created_at_before=datetime.now(UTC),
        updated_at_after="2024-01-01T00:00:00Z",
        order="-created_at",
    )
    items: list[Customer] = page.customers
    total: int | None = page.total
    has_more: bool | None = page.has_more
    activity: ActivityPage = await client.customers.list_activity("cust_1", limit=5)
    events: list[CustomerActivity] = activity.data
    cursor: str | None = activity.more_starting_after
    activities: ActivitiesPage = await client.customers.list_activities("cust_1")
    redeemables: RedeemablesPage = await client.customers.list_redeemables(
        "cust_1", filters={"holder_role": {"conditions": {"$is": "OWNER"}}}
    )
    held: list[CustomerRedeemable] = redeemables.data
    segments: SegmentsList = await client.customers.list_segments("cust_1")
    first: Segment = segments.data[0]
    name: str | None = first.name
    created_at: datetime | None = fetched.created_at
    birthdate: date | None = fetched.birthdate
    address: Address | None = fetched.address
    print(created, also, updated, receipt, items, total, has_more, events, cursor)
    print(activities, held, name, created_at, birthdate, address)


def serialization(customer: Customer, page: CustomersPage, record: CustomerUpdate) -> None:
    wire: dict[str, object] = to_dict(customer)
    sparse: dict[str, object] = to_dict(page, exclude_none=True)
    request: dict[str, object] = to_dict(record)
    text: str = to_json(customer)
    pretty: str = to_json(customer, exclude_none=True, indent=True)
    print(wire, sparse, request, text, pretty)


async def pagination(client: AsyncClient) -> None:
    pager: AsyncPager[Customer] = client.customers.iter_all(
        limit=50, order="created_at", created_at_after=datetime.now(UTC), max_items=10
    )
    async for customer in pager:
        one: Customer = customer
        print(one)
    async with client.customers.iter_all() as prefetching:
        async for page in prefetching.pages():
            batch: list[Customer] = page
            print(batch)
    await pager.aclose()
    events: AsyncPager[CustomerActivity] = client.customers.iter_activity("cust_1", limit=10)
    old: AsyncPager[CustomerActivity] = client.customers.iter_activities("cust_1")
    held: AsyncPager[CustomerRedeemable] = client.customers.iter_redeemables(
        "cust_1", order="-id", filters={"holder_role": {"conditions": {"$is": "OWNER"}}}
    )
    print(events, old, held)
    started: AsyncPager[Customer] = await client.customers.iter_all().start()
    matching: int | None = started.total
    sent: int = started.requests
    print(matching, sent)


async def bulk(client: AsyncClient) -> None:
    from_path: AsyncActionRef = await client.customers.import_csv(Path("customers.csv"))
    from_str: AsyncActionRef = await client.customers.import_csv("customers.csv")
    from_bytes: AsyncActionRef = await client.customers.import_csv(b"Source_id\ns1\n")
    from_file: AsyncActionRef = await client.customers.import_csv(io.BytesIO(b"Source_id\n"))
    ref: AsyncActionRef = await client.customers.update_in_bulk(
        [CustomerUpdate(source_id="s1", name="A"), {"source_id": "s2"}]
    )
    meta: AsyncActionRef = await client.customers.update_metadata_in_bulk(["s1"], {"a": 1})
    await client.customers.update_consents("cust_1", {"cnst_1": True})
    await client.customers.update_consents_client_side("cust_1", {"unsubscribed": True})
    action_id: str = ref.async_action_id
    action: AsyncAction = await client.async_actions.get(ref)
    by_id: AsyncAction = await client.async_actions.get(action_id)
    done: AsyncAction = await client.async_actions.wait(ref, timeout=60, poll_interval=0.5)
    status: str | None = done.status
    finished: bool = done.finished
    print(from_path, from_str, from_bytes, from_file, meta)
    print(action, by_id, status, finished)


async def bulk_update(client: AsyncClient) -> None:
    def records() -> Iterator[CustomerUpdate]:
        yield CustomerUpdate(source_id="s1")

    async def async_records() -> AsyncIterator[dict[str, object]]:
        yield {"source_id": "s2"}

    refs: list[AsyncActionRef] = await client.customers.bulk_update(records())
    actions: list[AsyncAction] = await client.customers.bulk_update(
        async_records(), batch_size=50, max_concurrency=2, wait=True
    )
    try:
        await client.customers.bulk_update([{"source_id": "s3"}])
    except BulkUpdateError as error:
        start: int = error.start
        stop: int = error.stop
        accepted: list[BulkChunk] = error.succeeded
        failed: list[BulkChunkFailure] = error.failures
        first_ref: AsyncActionRef = error.refs[0]
        cause: Exception = failed[0].error
        print(start, stop, accepted, first_ref, cause)
    print(refs, actions)


async def lifecycle() -> None:
    async with AsyncClient(
        "app_id",
        "secret_key",
        client_app_id="client_app_id",
        client_secret_key="client_secret_key",
        origin="https://shop.example.com",
        cluster="us1",
        timeout=httpx.Timeout(10.0),
        max_retries=0,
    ) as client:
        same: AsyncClient = client
        print(same.base_url)
    proxied = AsyncClient(proxy="http://user:pass@proxy.internal:3128", http_backend="aiohttp")
    await proxied.aclose()
    await AsyncClient(
        proxy=httpx.Proxy("http://proxy.internal:3128"), http_backend="httpx"
    ).aclose()
    shared = AsyncClient(http_client=httpx.AsyncClient(), timeout=5.0)
    await shared.aclose()
    closed: bool = shared.is_closed
    print(closed)


async def errors(client: AsyncClient) -> None:
    try:
        await client.customers.get("cust_1")
    except NotFoundError as error:
        status: int = error.status_code
        key: str | None = error.key
        message: str | None = error.message
        request_id: str | None = error.request_id
        resource_type: str | None = error.resource_type
        print(status, key, message, request_id, resource_type)
    except RateLimitError as error:
        info: RateLimitInfo = error.rate_limit
        retry_after: float | None = error.retry_after
        print(info.remaining, retry_after)
    except APIStatusError as error:
        code: int | None = error.code
        print(code)


async def raw_responses(client: AsyncClient) -> None:
    raw: RawResponse[Customer] = await client.customers.with_raw_response.get("cust_1")
    customer: Customer = raw.parsed
    status: int = raw.status_code
    headers: Mapping[str, str] = raw.headers
    request_id: str | None = raw.request_id
    attempts: int = raw.attempts
    response: httpx.Response = raw.http_response
    page: RawResponse[CustomersPage] = await client.customers.with_raw_response.list(limit=5)
    gone: RawResponse[None] = await client.customers.with_raw_response.delete("cust_1")
    ref: RawResponse[AsyncActionRef] = await client.customers.with_raw_response.update_in_bulk(
        [{"source_id": "s1"}]
    )
    action: RawResponse[AsyncAction] = await client.async_actions.with_raw_response.get("aa_1")
    print(customer, status, headers, request_id, attempts, response, page, gone, ref, action)


async def extra_options(client: AsyncClient) -> None:
    traced: AsyncClient = client.with_options(
        extra_headers={"X-Trace-Id": "t-1"}, extra_query={"expand": "x", "n": 1, "flag": True}
    )
    print(await traced.customers.get("cust_1"))


async def hooks() -> None:
    def on_request(event: RequestEvent) -> None:
        method: str = event.method
        path: str = event.path
        url: str = event.url
        attempt: int = event.attempt
        headers: Mapping[str, str] = event.headers
        print(method, path, url, attempt, headers)

    async def on_response(event: ResponseEvent) -> None:
        status: int | None = event.status_code
        error: str | None = event.error
        elapsed: float = event.elapsed
        request_id: str | None = event.request_id
        headers: Mapping[str, str] = event.headers
        print(status, error, elapsed, request_id, headers, event.attempt)

    def on_retry(event: RetryEvent) -> None:
        reason: str = event.reason
        delay: float = event.delay
        print(reason, delay, event.attempt)

    async with AsyncClient(
        on_request=on_request, on_response=on_response, on_retry=on_retry
    ) as client:
        quiet: AsyncClient = client.with_options(on_request=None, on_retry=on_retry)
        print(quiet)

"""`with_raw_response`: the parsed result with the status, headers and request id."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest
import respx
from _fault_server import Sleeps

from voucherify_async import (
    AsyncAction,
    AsyncClient,
    Customer,
    CustomersPage,
    NotFoundError,
    RawResponse,
)
from voucherify_async.async_actions import AsyncActions, AsyncActionsWithRawResponse
from voucherify_async.customers import Customers, CustomersWithRawResponse

if TYPE_CHECKING:
    from conftest import Keys

CUSTOMER = {"id": "cust_1", "object": "customer", "source_id": "alice"}
SECRETS = ("SERVER-SECRET", "CLIENT-SECRET", "app-id-0001", "client-app-id-0002")
MANY_REQUESTS = {"bulk_update", "wait"}  # send many requests: no raw variant


def assert_no_secret(raw: RawResponse[object]) -> None:
    request = raw.http_response.request
    dump = repr(raw) + repr(request.headers) + str(dict(request.headers))
    for secret in SECRETS:
        assert secret not in dump


async def test_get_returns_the_model_and_the_response_facts(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    headers = {"X-Request-Id": "v-123", "X-Custom": "yes"}
    api.get("/v1/customers/alice").respond(200, json=CUSTOMER, headers=headers)

    raw = await client.customers.with_raw_response.get("alice")

    assert isinstance(raw, RawResponse)
    assert raw.parsed == Customer(id="cust_1", object="customer", source_id="alice")
    assert raw.status_code == 200
    assert raw.request_id == "v-123"
    assert raw.headers["x-custom"] == "yes"  # case-insensitive, as received
    assert raw.attempts == 1
    assert raw.http_response.status_code == 200
    assert raw.http_response.request.url.path == "/v1/customers/alice"


async def test_the_request_reachable_from_it_has_its_credentials_masked(
    api: respx.MockRouter, client: AsyncClient, keys: Keys
) -> None:
    route = api.put("/v1/customers/cust_1").respond(200, json=CUSTOMER)

    raw = await client.customers.with_raw_response.update("cust_1", name="Alice")

    sent = route.calls.last.request  # the wire carried the real keys
    assert sent.headers["X-App-Token"] == keys.secret_key
    masked = raw.http_response.request.headers
    assert masked["X-App-Token"] == "[redacted]"
    assert masked["X-App-Id"] == "[redacted]"
    assert masked["Content-Type"] == "application/json"
    assert raw.http_response.request.content == sent.content
    assert_no_secret(raw)


async def test_client_side_keys_are_masked_too(api: respx.MockRouter, client: AsyncClient) -> None:
    api.put("/client/v1/customers/c/consents").respond(204)

    raw = await client.customers.with_raw_response.update_consents_client_side("c", {"x": True})

    assert raw.parsed is None
    assert raw.status_code == 204
    assert raw.http_response.request.headers["X-Client-Token"] == "[redacted]"
    assert raw.http_response.request.headers["Origin"] == "https://shop.example.com"
    assert_no_secret(raw)


async def test_a_streamed_upload_keeps_no_body_but_is_masked(
    api: respx.MockRouter, client: AsyncClient, tmp_path: Path
) -> None:
    api.post("/v1/customers/importCSV").respond(202, json={"async_action_id": "aa_1"})
    path = tmp_path / "c.csv"
    await anyio.Path(path).write_bytes(b"source_id\nalice\n")

    raw = await client.customers.with_raw_response.import_csv(str(path))

    assert raw.parsed.async_action_id == "aa_1"
    assert raw.status_code == 202
    assert_no_secret(raw)


async def test_delete_gives_none_and_the_204(api: respx.MockRouter, client: AsyncClient) -> None:
    api.delete("/v1/customers/c").respond(204, headers={"X-Request-Id": "v-del"})

    raw = await client.customers.with_raw_response.delete("c")

    assert (raw.parsed, raw.status_code, raw.request_id) == (None, 204, "v-del")


async def test_a_list_keeps_its_arguments(api: respx.MockRouter, client: AsyncClient) -> None:
    route = api.get("/v1/customers").respond(
        200, json={"object": "list", "data_ref": "customers", "customers": [CUSTOMER], "total": 7}
    )

    raw = await client.customers.with_raw_response.list(limit=5, email="a@b.c")

    assert isinstance(raw.parsed, CustomersPage)
    assert raw.parsed.total == 7
    assert route.calls.last.request.url.params["limit"] == "5"
    assert route.calls.last.request.url.params["email"] == "a@b.c"


async def test_async_actions_get(api: respx.MockRouter, client: AsyncClient) -> None:
    api.get("/v1/async-actions/aa_1").respond(
        200, json={"id": "aa_1", "object": "async_action", "status": "DONE"}
    )

    raw = await client.async_actions.with_raw_response.get("aa_1")

    assert isinstance(raw.parsed, AsyncAction)
    assert raw.parsed.status == "DONE"


async def test_an_error_is_raised_as_by_the_plain_method(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/nobody").respond(404, json={"code": 404, "key": "not_found"})

    with pytest.raises(NotFoundError):
        await client.customers.with_raw_response.get("nobody")


async def test_attempts_count_the_retries(api: respx.MockRouter, client: AsyncClient) -> None:
    api.get("/v1/customers/c").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=CUSTOMER)]
    )
    retrying = client.with_options(max_retries=2)
    retrying._retry = attrs.evolve(retrying._retry, sleep=Sleeps())

    raw = await retrying.customers.with_raw_response.get("c")

    assert (raw.status_code, raw.attempts) == (200, 2)


async def test_concurrent_raw_calls_each_get_their_own_response(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        return httpx.Response(200, json={**CUSTOMER, "id": name}, headers={"X-Request-Id": name})

    api.get(path__startswith="/v1/customers/").mock(side_effect=answer)
    seen: dict[str, str | None] = {}

    async def one(name: str) -> None:
        await anyio.lowlevel.checkpoint()
        raw = await client.customers.with_raw_response.get(name)
        await client.customers.get("plain-" + name)  # a plain call in between changes nothing
        seen[name] = raw.request_id if raw.parsed.id == name else "mismatch"

    async with anyio.create_task_group() as tg:
        for index in range(20):
            tg.start_soon(one, f"c{index}")

    assert seen == {f"c{index}": f"c{index}" for index in range(20)}


async def test_a_plain_call_after_a_raw_one_is_unaffected(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/c").respond(200, json=CUSTOMER)

    await client.customers.with_raw_response.get("c")
    plain = await client.customers.get("c")

    assert isinstance(plain, Customer)


async def test_with_options_copies_have_their_own_raw_accessor(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/c").respond(200, json=CUSTOMER)
    copy = client.with_options(timeout=5)

    raw = await copy.customers.with_raw_response.get("c")

    assert raw.status_code == 200
    assert client.customers.with_raw_response is not copy.customers.with_raw_response


def one_request_methods(resource: type[object]) -> set[str]:
    return {
        name
        for name, member in vars(resource).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    } - MANY_REQUESTS


@pytest.mark.parametrize(
    ("resource", "raw_class"),
    [(Customers, CustomersWithRawResponse), (AsyncActions, AsyncActionsWithRawResponse)],
)
def test_every_one_request_method_has_a_raw_variant(
    resource: type[Customers | AsyncActions], raw_class: type[object]
) -> None:
    transport = httpx.MockTransport(print)
    client = AsyncClient("a", "b", base_url="https://api.test", transport=transport)
    bound = resource(client)

    raw = bound.with_raw_response

    assert isinstance(raw, raw_class)
    assert set(vars(raw)) == one_request_methods(resource)
    for name in vars(raw):
        assert getattr(raw, name).__wrapped__ == getattr(bound, name)

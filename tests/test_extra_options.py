"""`with_options(extra_headers=..., extra_query=...)`: what reaches the wire, what is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx
from _fault_server import make_client, running_server

from voucherify_async import AsyncClient

if TYPE_CHECKING:
    from conftest import Keys

CUSTOMER = {"id": "cust_1", "object": "customer"}
PROTECTED = [
    "X-App-Id",
    "x-app-token",
    "X-CLIENT-TOKEN",
    "X-Client-Application-Id",
    "Origin",
    "Content-Type",
    "Content-Length",
    "Transfer-Encoding",
    "Host",
    "Accept",
    "Accept-Encoding",
]


async def test_extra_headers_reach_the_wire_of_the_copy_only(
    api: respx.MockRouter, client: AsyncClient, keys: Keys
) -> None:
    route = api.get("/v1/customers/c").respond(200, json=CUSTOMER)
    traced = client.with_options(extra_headers={"X-Trace-Id": "t-1", "traceparent": "00-ab-01"})

    await traced.customers.get("c")
    await client.customers.get("c")

    first, second = (call.request for call in route.calls)
    assert first.headers["X-Trace-Id"] == "t-1"
    assert first.headers["traceparent"] == "00-ab-01"
    assert first.headers["X-App-Token"] == keys.secret_key
    assert "X-Trace-Id" not in second.headers


async def test_extra_headers_go_with_client_side_calls_and_bodies(
    api: respx.MockRouter, client: AsyncClient, keys: Keys
) -> None:
    route = api.put("/client/v1/customers/c/consents").respond(204)

    await client.with_options(
        extra_headers={"X-Trace-Id": "t-2"}
    ).customers.update_consents_client_side("c", {"cnst_1": True})

    request = route.calls.last.request
    assert request.headers["X-Trace-Id"] == "t-2"
    assert request.headers["X-Client-Token"] == keys.client_secret_key
    assert request.headers["Content-Type"] == "application/json"


async def test_an_extra_header_replaces_an_unprotected_one_case_insensitively(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.get("/v1/customers/c").respond(200, json=CUSTOMER)

    await client.with_options(extra_headers={"user-agent": "my-service/1.0"}).customers.get("c")

    assert route.calls.last.request.headers.get_list("User-Agent") == ["my-service/1.0"]


async def test_copies_of_copies_merge_and_a_repeated_name_wins(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.get("/v1/customers").respond(200, json={"object": "list", "customers": []})
    first = client.with_options(extra_headers={"X-A": "1", "X-B": "1"}, extra_query={"x": "1"})
    second = first.with_options(extra_headers={"x-b": "2"}, extra_query={"x": "2", "y": True})

    await second.customers.list()

    request = route.calls.last.request
    assert request.headers["X-A"] == "1"
    assert request.headers.get_list("X-B") == ["2"]
    assert list(request.url.params.multi_items()) == [("x", "2"), ("y", "true")]


async def test_extra_query_is_appended_to_the_call_s_own(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.get("/v1/customers").respond(200, json={"object": "list", "customers": []})
    options = client.with_options(extra_query={"expand": "loyalty", "n": 3, "f": 0.5, "b": False})

    await options.customers.list(limit=5)

    assert list(route.calls.last.request.url.params.multi_items()) == [
        ("limit", "5"),
        ("expand", "loyalty"),
        ("n", "3"),
        ("f", "0.5"),
        ("b", "false"),
    ]


async def test_extra_query_naming_a_parameter_of_the_call_is_refused_before_sending(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.get("/v1/customers").respond(200, json={"object": "list", "customers": []})

    with pytest.raises(ValueError, match=r"'limit'.*pass it as the method's argument"):
        await client.with_options(extra_query={"limit": 1}).customers.list(limit=5)

    assert route.call_count == 0


async def test_pagers_send_the_extras_on_every_page(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    event = {"id": "evcus_1", "type": "customer.created", "data": {}, "created_at": None}
    route = api.get("/v1/customers/c/activity").mock(
        side_effect=[
            httpx.Response(
                200, json={"data": [event], "has_more": True, "more_starting_after": "evcus_1"}
            ),
            httpx.Response(200, json={"data": [], "has_more": False}),
        ]
    )
    options = client.with_options(extra_headers={"X-Trace-Id": "t"}, extra_query={"z": "1"})

    events = [e async for e in options.customers.iter_activity("c", limit=1)]

    assert len(events) == 1
    assert route.call_count == 2
    for call in route.calls:
        assert call.request.headers["X-Trace-Id"] == "t"
        assert call.request.url.params["z"] == "1"


async def test_extras_go_through_a_callers_http_client(keys: Keys) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CUSTOMER)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as pool:
        client = AsyncClient(keys.app_id, keys.secret_key, base_url=keys.base_url, http_client=pool)
        await client.with_options(extra_headers={"X-Trace-Id": "p"}).customers.get("c")

    assert seen[0].headers["X-Trace-Id"] == "p"


async def test_extras_reach_a_real_server_on_the_client_s_own_pool() -> None:
    """Over loopback, on the own pool's transport (aiohttp or httpx, per `--http-backend`)."""
    with running_server() as server:
        async with make_client(server) as client:
            copy = client.with_options(extra_headers={"X-Trace-Id": "wire"}, extra_query={"q": "1"})
            await copy.customers.get("alice")

    seen = server.requests[-1]
    assert seen.headers["x-trace-id"] == "wire"
    assert seen.query == "q=1"


@pytest.fixture
def idle() -> AsyncClient:
    """A client that is never used to send (with_options checks run before any I/O)."""
    return AsyncClient("a", "b", base_url="https://api.test", transport=httpx.MockTransport(print))


@pytest.mark.parametrize("name", PROTECTED)
def test_a_protected_header_is_refused_naming_it(idle: AsyncClient, name: str) -> None:
    with pytest.raises(ValueError, match=f"may not set '{name}'"):
        idle.with_options(extra_headers={name: "forged"})


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-A\r\nX-App-Token": "v"}, "not a valid header name"),
        ({"X A": "v"}, "not a valid header name"),
        ({"": "v"}, "not a valid header name"),
        ({"X-A:": "v"}, "not a valid header name"),
        ({"X-A": "v\r\nX-App-Token: forged"}, r"extra_headers\['X-A'\] must be printable ASCII"),
        ({"X-A": "v\nw"}, "printable ASCII"),
        ({"X-A": "v\rw"}, "printable ASCII"),
        ({"X-A": "v\x00w"}, "printable ASCII"),
        ({"X-A": "caf\u00e9"}, "printable ASCII"),
        ({"X-A": "1", "x-a": "2"}, "names 'x-a' twice"),
    ],
)
def test_a_malformed_header_is_refused(
    idle: AsyncClient, headers: dict[str, str], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        idle.with_options(extra_headers=headers)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"extra_headers": [("X-A", "1")]}, TypeError),
        ({"extra_headers": {"X-A": 1}}, TypeError),
        ({"extra_query": [("a", "1")]}, TypeError),
        ({"extra_query": {"a": None}}, TypeError),
        ({"extra_query": {"a": ["1"]}}, TypeError),
        ({"extra_query": {"": "1"}}, ValueError),
    ],
)
def test_extras_of_the_wrong_shape_are_refused(
    idle: AsyncClient, options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error, match="extra_"):
        idle.with_options(**options)

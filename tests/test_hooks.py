"""`on_request` / `on_response` / `on_retry`: once per attempt, on every transport, secrets masked.

The loopback cases run on the client's own pool, so `--http-backend=httpx` and
`--http-backend=aiohttp` exercise both transports (trio always runs on httpx).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx
from _fault_server import (
    APP_ID,
    SECRET_KEY,
    Reset,
    Sleeps,
    error_reply,
    make_client,
    running_server,
)

from voucherify_async import (
    AsyncClient,
    Customer,
    NotFoundError,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)

if TYPE_CHECKING:
    from conftest import Keys

Event = RequestEvent | ResponseEvent | RetryEvent
CUSTOMER = {"id": "cust_1", "object": "customer"}


class Recorder:
    """Hooks that record every event: `on_request` sync, the others async (both kinds work)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_request(self, event: RequestEvent) -> None:
        self.events.append(event)

    async def on_response(self, event: ResponseEvent) -> None:
        await anyio.lowlevel.checkpoint()
        self.events.append(event)

    async def on_retry(self, event: RetryEvent) -> None:
        await anyio.lowlevel.checkpoint()
        self.events.append(event)

    @property
    def hooks(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "on_request": self.on_request,
            "on_response": self.on_response,
            "on_retry": self.on_retry,
        }

    def kinds(self) -> list[tuple[str, int]]:
        return [(type(event).__name__, event.attempt) for event in self.events]


def assert_no_secret(events: list[Event], *secrets: str) -> None:
    dump = repr(events)
    for secret in secrets:
        assert secret not in dump


async def test_hooks_fire_once_per_attempt_on_a_real_server_with_a_retry() -> None:
    recorder = Recorder()
    sleeps = Sleeps()
    with running_server() as server:
        server.script.append(error_reply(503, "unavailable"))
        async with make_client(server, sleeps, **recorder.hooks) as client:
            customer = await client.customers.get("alice")

    assert isinstance(customer, Customer)
    assert recorder.kinds() == [
        ("RequestEvent", 1),
        ("ResponseEvent", 1),
        ("RetryEvent", 2),
        ("RequestEvent", 2),
        ("ResponseEvent", 2),
    ]
    first, failed, retry, _, answered = recorder.events
    assert isinstance(first, RequestEvent)
    assert (first.method, first.path) == ("GET", "/v1/customers/alice")
    assert first.url == f"{server.url}/v1/customers/alice"
    assert first.headers["X-App-Token"] == "[redacted]"
    assert first.headers["X-App-Id"] == "[redacted]"
    assert isinstance(failed, ResponseEvent)
    assert (failed.status_code, failed.error) == (503, None)
    assert str(failed.request_id).startswith("v-test-")
    assert isinstance(retry, RetryEvent)
    assert (retry.reason, retry.delay) == ("503", sleeps.delays[0])
    assert isinstance(answered, ResponseEvent)
    assert answered.status_code == 200
    assert answered.elapsed >= 0
    assert answered.headers["content-type"] == "application/json"
    assert_no_secret(recorder.events, SECRET_KEY, APP_ID)


async def test_a_broken_connection_ends_its_attempt_with_the_error_name() -> None:
    recorder = Recorder()
    with running_server() as server:
        server.script.append(Reset())
        async with make_client(server, Sleeps(), **recorder.hooks) as client:
            await client.customers.get("alice")

    failed, retry = recorder.events[1], recorder.events[2]
    assert isinstance(failed, ResponseEvent)
    assert failed.status_code is None
    assert failed.error is not None
    assert failed.headers == {}
    assert isinstance(retry, RetryEvent)
    assert retry.reason == failed.error
    assert len(recorder.events) == 5


async def test_the_final_error_response_is_reported_before_the_error_is_raised(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/nobody").respond(404, json={"code": 404, "key": "not_found"})
    recorder = Recorder()

    with pytest.raises(NotFoundError):
        await client.with_options(**recorder.hooks).customers.get("nobody")

    assert recorder.kinds() == [("RequestEvent", 1), ("ResponseEvent", 1)]
    last = recorder.events[-1]
    assert isinstance(last, ResponseEvent)
    assert last.status_code == 404


async def test_client_side_keys_never_reach_a_hook(
    api: respx.MockRouter, client: AsyncClient, keys: Keys
) -> None:
    api.put("/client/v1/customers/c/consents").respond(204)
    recorder = Recorder()

    await client.with_options(**recorder.hooks).customers.update_consents_client_side(
        "c", {"cnst_1": True}
    )

    request = recorder.events[0]
    assert isinstance(request, RequestEvent)
    assert request.headers["X-Client-Token"] == "[redacted]"
    assert request.headers["Origin"] == keys.origin
    assert_no_secret(recorder.events, keys.client_secret_key, keys.client_app_id)


async def test_credentials_added_with_extra_headers_never_reach_a_hook(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/c").respond(200, json=CUSTOMER)
    recorder = Recorder()
    extra = {"Cookie": "session=cookie-secret", "Proxy-Authorization": "Basic proxy-secret"}

    await client.with_options(extra_headers=extra, **recorder.hooks).customers.get("c")

    request = recorder.events[0]
    assert isinstance(request, RequestEvent)
    assert request.headers["Cookie"] == request.headers["Proxy-Authorization"] == "[redacted]"
    assert_no_secret(recorder.events, "cookie-secret", "proxy-secret")


async def test_hooks_fire_with_a_callers_http_client(keys: Keys) -> None:
    recorder = Recorder()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=CUSTOMER))
    async with httpx.AsyncClient(transport=transport) as pool:
        client = AsyncClient(
            keys.app_id, keys.secret_key, base_url=keys.base_url, http_client=pool, **recorder.hooks
        )
        await client.customers.get("c")

    assert recorder.kinds() == [("RequestEvent", 1), ("ResponseEvent", 1)]


async def test_with_options_replaces_or_removes_a_hook_on_the_copy_only(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get("/v1/customers/c").respond(200, json=CUSTOMER)
    outer, inner = Recorder(), Recorder()
    hooked = client.with_options(**outer.hooks)

    await hooked.with_options(on_request=inner.on_request).customers.get("c")
    await hooked.with_options(on_request=None).customers.get("c")
    await client.customers.get("c")

    assert inner.kinds() == [("RequestEvent", 1)]
    assert outer.kinds() == [("ResponseEvent", 1), ("ResponseEvent", 1)]


async def test_an_exception_in_on_request_propagates_and_nothing_is_sent() -> None:
    def refuse(event: RequestEvent) -> None:
        raise LookupError("no trace context")

    with running_server() as server:
        async with make_client(server, Sleeps(), on_request=refuse) as client:
            with pytest.raises(LookupError, match="no trace context"):
                await client.customers.get("alice")

    assert server.requests == []


async def test_an_exception_in_on_response_propagates_and_is_not_retried() -> None:
    async def broken(event: ResponseEvent) -> None:
        raise ZeroDivisionError

    with running_server() as server:
        async with make_client(server, Sleeps(), on_response=broken) as client:
            with pytest.raises(ZeroDivisionError):
                await client.customers.create(source_id="alice")

    assert len(server.requests) == 1


async def test_a_hook_s_own_connection_error_is_never_taken_for_the_request_s() -> None:
    def metrics_down(event: ResponseEvent) -> None:
        raise httpx.ConnectError("metrics endpoint refused")

    with running_server() as server:
        async with make_client(server, Sleeps(), on_response=metrics_down) as client:
            with pytest.raises(RuntimeError, match="on_response hook raised ConnectError") as info:
                await client.customers.update_in_bulk([{"source_id": "a"}])

    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(server.requests) == 1  # a bulk POST sent once, not retried as "never sent"


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("metrics slow"), httpx.DecodingError("metrics garbled")]
)
async def test_any_httpx_error_of_a_hook_stops_the_call_unretried(
    api: respx.MockRouter, client: AsyncClient, error: httpx.HTTPError
) -> None:
    route = api.get("/v1/customers/c").respond(200, json=CUSTOMER)

    def failing(event: RequestEvent) -> None:
        raise error

    retrying = client.with_options(max_retries=2, on_request=failing)
    with pytest.raises(RuntimeError, match="on_request hook raised") as info:
        await retrying.customers.get("c")

    assert info.value.__cause__ is error
    assert route.call_count == 0


async def test_concurrent_calls_each_get_their_own_events(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.get(path__startswith="/v1/customers/").respond(200, json=CUSTOMER)
    recorder = Recorder()
    hooked = client.with_options(**recorder.hooks)

    async with anyio.create_task_group() as tg:
        for index in range(10):
            tg.start_soon(hooked.customers.get, f"c{index}")

    requests = sorted(e.path for e in recorder.events if isinstance(e, RequestEvent))
    responses = sorted(e.path for e in recorder.events if isinstance(e, ResponseEvent))
    assert requests == responses == sorted(f"/v1/customers/c{index}" for index in range(10))


@pytest.mark.parametrize("name", ["on_request", "on_response", "on_retry"])
def test_a_hook_that_is_not_callable_is_refused(name: str) -> None:
    with pytest.raises(TypeError, match=f"{name} must be a callable"):
        AsyncClient("a", "b", base_url="https://api.test", **{name: "print"})  # type: ignore[arg-type]

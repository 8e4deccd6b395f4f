"""Fault injection against a real loopback HTTP server, on asyncio and trio.

Each case checks the number of requests the server saw, the exception the caller got, that no
secret reached any log record, and that the same client then completes a normal call.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from _fault_server import (
    APP_ID,
    SECRET_KEY,
    Action,
    FaultServer,
    Hang,
    Reply,
    Reset,
    Sleeps,
    Truncate,
    error_reply,
    html_502,
    make_client,
    rate_limited,
    running_server,
)

from voucherify_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncClient,
    Customer,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)

Call = Callable[[AsyncClient], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "get": lambda c: c.customers.get("alice"),
    "update": lambda c: c.customers.update("alice", name="Bob"),
    "delete": lambda c: c.customers.delete("alice"),
    "upsert": lambda c: c.customers.create(source_id="alice", name="Alice"),
    "create": lambda c: c.customers.create(name="Nobody"),
    "bulk": lambda c: c.customers.update_in_bulk([{"source_id": "alice", "name": "A"}]),
    "metadata": lambda c: c.customers.update_metadata_in_bulk(["alice"], {"tier": 1}),
    "import": lambda c: c.customers.import_csv(b"source_id,name\nalice,Alice\n"),
    "purge": lambda c: c.customers.delete_permanently("alice"),
}


@dataclass(frozen=True)
class Case:
    """A scripted fault, the call that meets it, and what the caller and the server see."""

    script: tuple[Action, ...]
    call: str
    requests: int
    raises: type[BaseException] | None


def _503() -> Reply:
    return error_reply(503, "service_unavailable")


CASES: dict[str, Case] = {
    "503-then-success-on-get-is-retried": Case((_503(),), "get", 2, None),
    "503-persisting-on-get-raises": Case((_503(),) * 3, "get", 3, InternalServerError),
    "408-on-get-is-retried": Case((error_reply(408, "request_timeout"),), "get", 2, None),
    "504-on-get-is-retried": Case((error_reply(504, "gateway_timeout"),), "get", 2, None),
    "503-with-retry-after-over-60s-raises-at-once": Case(
        (error_reply(503, "service_unavailable", ("Retry-After", "120")),),
        "get",
        1,
        InternalServerError,
    ),
    "503-on-put-is-retried": Case((_503(),), "update", 2, None),
    "503-on-delete-is-retried": Case((_503(),), "delete", 2, None),
    "503-on-upsert-post-is-retried": Case((_503(),), "upsert", 2, None),
    "503-on-plain-create-post-is-not-retried": Case((_503(),), "create", 1, InternalServerError),
    "503-on-bulk-is-not-retried": Case((_503(),), "bulk", 1, InternalServerError),
    "503-on-permanent-deletion-is-not-retried": Case((_503(),), "purge", 1, InternalServerError),
    "429-on-bulk-is-retried": Case((rate_limited("1"),), "bulk", 2, None),
    "429-on-metadata-bulk-is-retried": Case((rate_limited("1"),), "metadata", 2, None),
    "429-on-import-is-retried": Case((rate_limited("1"),), "import", 2, None),
    "429-persisting-raises": Case((rate_limited("1"),) * 3, "get", 3, RateLimitError),
    "reset-mid-response-on-get-is-retried": Case((Reset(),), "get", 2, None),
    "reset-persisting-on-get-raises-connection-error": Case(
        (Reset(),) * 3, "get", 3, APIConnectionError
    ),
    "reset-on-upsert-post-is-retried": Case((Reset(),), "upsert", 2, None),
    "reset-on-plain-create-post-is-not-retried": Case((Reset(),), "create", 1, APIConnectionError),
    "reset-on-bulk-is-not-retried": Case((Reset(),), "bulk", 1, APIConnectionError),
    "reset-on-import-is-not-retried": Case((Reset(),), "import", 1, APIConnectionError),
    "truncated-body-on-get-is-retried": Case((Truncate(),), "get", 2, None),
    "truncated-body-persisting-raises-connection-error": Case(
        (Truncate(),) * 3, "get", 3, APIConnectionError
    ),
    "truncated-body-on-metadata-bulk-is-not-retried": Case(
        (Truncate(),), "metadata", 1, APIConnectionError
    ),
    "proxy-html-502-on-get-is-retried": Case((html_502(),), "get", 2, None),
    "proxy-html-502-persisting-raises-internal-server-error": Case(
        (html_502(),) * 3, "get", 3, InternalServerError
    ),
    "proxy-html-502-on-bulk-is-not-retried": Case((html_502(),), "bulk", 1, InternalServerError),
    "200-with-invalid-json-is-not-retried": Case(
        (Reply(body=b'{"id": "cust_1", "name": '),), "get", 1, APIResponseValidationError
    ),
    "200-with-wrong-shape-is-not-retried": Case(
        (Reply(body=b'{"id": 12345, "name": ["not", "a", "string"]}'),),
        "get",
        1,
        APIResponseValidationError,
    ),
    "404-is-not-retried": Case((error_reply(404, "not_found"),), "get", 1, NotFoundError),
}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as state:
        yield state


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(logs: pytest.LogCaptureFixture, *errors: BaseException) -> None:
    for record in logs.records:
        text = record.getMessage() + repr(record.__dict__)
        assert SECRET_KEY not in text, record
        assert APP_ID not in text, record
    for error in errors:
        assert SECRET_KEY not in f"{error!s} {error!r}"


async def assert_still_works(client: AsyncClient, server: FaultServer) -> None:
    seen = len(server.requests)
    customer = await client.customers.get("alice")
    assert customer.id == "cust_1"
    assert len(server.requests) == seen + 1


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_fault(case: Case, server: FaultServer, logs: pytest.LogCaptureFixture) -> None:
    server.script.extend(case.script)
    sleeps = Sleeps()
    error: BaseException | None = None
    async with make_client(server, sleeps) as client:
        if case.raises is None:
            await CALLS[case.call](client)
        else:
            with pytest.raises(case.raises) as caught:
                await CALLS[case.call](client)
            error = caught.value
            assert type(error) is case.raises
        assert len(server.requests) == case.requests
        assert len(sleeps.delays) == case.requests - 1
        await assert_still_works(client, server)
    assert_no_secret(logs, *([error] if error else []))


async def test_hanging_server_raises_timeout_after_retries(
    server: FaultServer, logs: pytest.LogCaptureFixture
) -> None:
    server.script.extend([Hang(), Hang()])
    async with make_client(server, Sleeps(), timeout=0.3, max_retries=1) as client:
        with pytest.raises(APITimeoutError, match="after 2 attempts") as caught:
            await client.customers.get("alice")
        assert len(server.requests) == 2
        await assert_still_works(client, server)
    assert_no_secret(logs, caught.value)


async def test_429_waits_the_retry_after_seconds(server: FaultServer) -> None:
    server.script.append(rate_limited("3"))
    sleeps = Sleeps()
    async with make_client(server, sleeps) as client:
        await client.customers.get("alice")
    assert sleeps.delays == [3.0]
    assert len(server.requests) == 2


async def test_429_waits_until_the_retry_after_http_date(server: FaultServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=5)
    server.script.append(rate_limited(format_datetime(when, usegmt=True)))
    sleeps = Sleeps()
    async with make_client(server, sleeps) as client:
        await client.customers.get("alice")
    assert len(sleeps.delays) == 1
    assert 3.0 < sleeps.delays[0] <= 5.0
    assert len(server.requests) == 2


async def test_retry_after_over_60_seconds_raises_at_once_carrying_it(
    server: FaultServer,
) -> None:
    server.script.append(rate_limited("120"))
    sleeps = Sleeps()
    async with make_client(server, sleeps) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("alice")
    assert caught.value.retry_after == 120.0
    assert sleeps.delays == []
    assert len(server.requests) == 1


async def test_rate_limit_error_carries_the_rate_limit_headers(server: FaultServer) -> None:
    server.script.append(rate_limited("2"))
    async with make_client(server, Sleeps(), max_retries=0) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("alice")
    info = caught.value.rate_limit
    assert (info.limit, info.remaining, info.retry_at, info.limit_type, info.retry_after) == (
        100,
        0,
        1700000060,
        "api_calls",
        2.0,
    )


async def test_status_error_message_names_the_request_id(server: FaultServer) -> None:
    server.script.append(error_reply(404, "not_found"))
    async with make_client(server, Sleeps()) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.customers.get("alice")
    assert caught.value.request_id == "v-err"
    assert "v-err" in str(caught.value)


async def test_proxy_html_502_error_shows_an_excerpt_of_the_page(server: FaultServer) -> None:
    server.script.append(html_502())
    async with make_client(server, Sleeps(), max_retries=0) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.customers.get("alice")
    assert caught.value.status_code == 502
    assert "502 Bad Gateway" in str(caught.value)
    assert caught.value.request_id is not None
    assert caught.value.request_id in str(caught.value)


async def test_wrong_shape_error_names_the_model(server: FaultServer) -> None:
    server.script.append(Reply(body=b'{"id": 12345}'))
    async with make_client(server, Sleeps()) as client:
        with pytest.raises(APIResponseValidationError) as caught:
            await client.customers.get("alice")
    message = str(caught.value)
    assert Customer.__name__ in message
    assert "id" in message
    assert not isinstance(caught.value, KeyError)


async def test_retried_import_sends_the_whole_file_again(
    server: FaultServer, tmp_path: Any
) -> None:
    csv = b"source_id,name\nalice,Alice\nbob,Bob\n"
    path = tmp_path / "people.csv"
    path.write_bytes(csv)
    server.script.append(rate_limited("1"))
    async with make_client(server, Sleeps()) as client:
        with path.open("rb") as handle:
            await client.customers.import_csv(handle)
    assert len(server.requests) == 2
    for seen in server.requests:
        assert csv in seen.body


async def test_bulk_post_broken_after_execution_is_executed_once(server: FaultServer) -> None:
    server.script.append(Reset())
    async with make_client(server, Sleeps()) as client:
        with pytest.raises(APIConnectionError):
            await CALLS["bulk"](client)
    assert list(server.executed.values()) == [1]


async def test_unretried_post_error_says_it_may_have_been_executed(server: FaultServer) -> None:
    server.script.append(Truncate())
    async with make_client(server, Sleeps()) as client:
        with pytest.raises(APIConnectionError, match="may have executed it"):
            await CALLS["metadata"](client)

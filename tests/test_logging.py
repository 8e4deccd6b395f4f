"""The `voucherify_async` logger: DEBUG per attempt, INFO per retry, never a secret."""

from __future__ import annotations

import logging

import attrs
import httpx
import pytest
from _fault_server import APP_ID, SECRET_KEY, Sleeps

from voucherify_async import AsyncClient
from voucherify_async._logging import REDACTED, redact_headers

CLIENT_SECRET = "client-secret-token-5150"
CLIENT_APP = "client-app-id-777"


def client_for(*responses: httpx.Response) -> AsyncClient:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    client = AsyncClient(
        APP_ID,
        SECRET_KEY,
        client_app_id=CLIENT_APP,
        client_secret_key=CLIENT_SECRET,
        origin="https://shop.test",
        base_url="https://api.test",
        transport=httpx.MockTransport(handler),
    )
    client = Sleeps().install(client)
    client._retry = attrs.evolve(client._retry, rand=lambda: 0.5)
    return client


def ok() -> httpx.Response:
    return httpx.Response(200, json={"id": "cust_1"}, headers={"X-Request-Id": "v-0a1b"})


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="voucherify_async")
    return caplog


def ours(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in logs.records if r.name == "voucherify_async"]


async def test_each_request_is_logged_at_debug_with_its_facts(
    logs: pytest.LogCaptureFixture,
) -> None:
    async with client_for(ok()) as client:
        await client.customers.get("alice")
    [record] = ours(logs)
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    for fact in ("GET", "/v1/customers/alice", "200", "request_id=v-0a1b", "retries=0", " s "):
        assert fact in message


async def test_nothing_is_logged_at_info_or_above_on_success(
    logs: pytest.LogCaptureFixture,
) -> None:
    async with client_for(ok()) as client:
        await client.customers.get("alice")
        await client.customers.update("alice", name="Bob")
    assert [r for r in ours(logs) if r.levelno >= logging.INFO] == []


async def test_each_retry_is_logged_at_info_with_attempt_reason_and_delay(
    logs: pytest.LogCaptureFixture,
) -> None:
    unavailable = httpx.Response(503, json={"code": 503, "key": "service_unavailable"})
    async with client_for(unavailable, ok()) as client:
        await client.customers.get("alice")
    [record] = [r for r in ours(logs) if r.levelno == logging.INFO]
    assert record.getMessage() == (
        "retrying GET /v1/customers/alice (attempt 2 of 3) after 503 in 0.25 s"
    )


async def test_debug_record_carries_the_request_headers_with_credentials_redacted(
    logs: pytest.LogCaptureFixture,
) -> None:
    async with client_for(ok()) as client:
        await client.customers.get("alice")
    [record] = ours(logs)
    headers = record.request_headers
    assert headers["x-app-token"] == REDACTED
    assert headers["x-app-id"] == REDACTED
    assert headers["accept"] == "application/json"


async def test_client_side_secrets_never_reach_a_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(httpx.Response(204)) as client:
        await client.customers.update_consents_client_side("alice", {"unsubscribed": True})
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        for secret in (SECRET_KEY, APP_ID, CLIENT_SECRET, CLIENT_APP):
            assert secret not in text


def test_redact_headers_replaces_every_credential() -> None:
    headers = {
        "X-App-Id": "a",
        "X-App-Token": "b",
        "X-Client-Application-Id": "c",
        "X-Client-Token": "d",
        "Authorization": "Bearer e",
        "Origin": "https://shop.test",
    }
    assert redact_headers(headers) == {
        "X-App-Id": REDACTED,
        "X-App-Token": REDACTED,
        "X-Client-Application-Id": REDACTED,
        "X-Client-Token": REDACTED,
        "Authorization": REDACTED,
        "Origin": "https://shop.test",
    }


async def test_no_record_is_built_when_debug_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="voucherify_async")
    async with client_for(ok()) as client:
        await client.customers.get("alice")
    assert ours(caplog) == []

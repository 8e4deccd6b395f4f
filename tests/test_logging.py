"""The `voucherify_async` logger: DEBUG per attempt, INFO per retry, never a secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import attrs
import httpx
import pytest
from _fault_server import APP_ID, SECRET_KEY, Sleeps

from voucherify_async import AsyncClient
from voucherify_async._logging import REDACTED, configure_from_environment, logger, redact_headers

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
    client._retry = attrs.evolve(client._retry, sleep=Sleeps(), rand=lambda: 0.5)
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


async def test_the_retry_record_carries_the_same_extra_fields_as_the_attempt_records(
    logs: pytest.LogCaptureFixture,
) -> None:
    unavailable = httpx.Response(503, json={"code": 503, "key": "service_unavailable"})
    async with client_for(unavailable, ok()) as client:
        await client.customers.get("alice")
    records = ours(logs)
    assert [r.levelno for r in records] == [logging.DEBUG, logging.INFO, logging.DEBUG]
    formatter = logging.Formatter("%(levelname)s %(message)s %(request_headers)s")
    for record in records:
        text = formatter.format(record)
        assert record.request_headers["x-app-token"] == REDACTED
        assert SECRET_KEY not in text
        assert APP_ID not in text


# --- VOUCHERIFY_LOG -------------------------------------------------------------------------

LOGGING_SCRIPT = """
import anyio, attrs, httpx
from voucherify_async import AsyncClient

calls = []

def handler(request):  # the very first call fails with a 503, every other one succeeds
    calls.append(request)
    if len(calls) == 1:
        return httpx.Response(503, json={"code": 503, "key": "service_unavailable"})
    return httpx.Response(200, json={"id": "cust_1"}, headers={"X-Request-Id": "v-77"})

async def main():
    for _ in range(2):  # a second client must not add a second handler
        async with AsyncClient(
            "app-id-4242", "secret-key-4242", base_url="https://api.test",
            transport=httpx.MockTransport(handler),
        ) as client:
            client._retry = attrs.evolve(client._retry, sleep=lambda delay: anyio.sleep(0))
            await client.customers.get("alice")

anyio.run(main)
"""


def run_logging_script(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCHERIFY_")}
    if value is not None:
        env["VOUCHERIFY_LOG"] = value
    return subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_voucherify_log_debug_writes_every_attempt_and_retry_to_stderr_once() -> None:
    done = run_logging_script("debug")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "voucherify_async" in line]
    assert len(lines) == 4, done.stderr  # 503, retry, 200; then one 200 of the second client
    assert "DEBUG] GET /v1/customers/alice -> 503" in lines[0]
    assert "INFO] retrying GET /v1/customers/alice (attempt 2 of 3) after 503" in lines[1]
    assert "-> 200 in" in lines[2]
    assert "request_id=v-77" in lines[3]
    assert "secret-key-4242" not in done.stderr
    assert "app-id-4242" not in done.stderr


def test_voucherify_log_info_writes_only_the_retries() -> None:
    done = run_logging_script("INFO")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "voucherify_async" in line]
    assert len(lines) == 1, done.stderr
    assert "retrying GET /v1/customers/alice" in lines[0]


def test_without_voucherify_log_nothing_is_written() -> None:
    done = run_logging_script(None)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@pytest.fixture
def pristine_logger() -> Iterator[None]:
    """`configure_from_environment` not yet applied, and the logger restored afterwards."""
    handlers, level = list(logger.handlers), logger.level
    configure_from_environment.cache_clear()
    yield
    configure_from_environment.cache_clear()
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.mark.usefixtures("pristine_logger")
def test_an_unknown_voucherify_log_value_is_ignored_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_LOG", "verbose")
    handlers = list(logger.handlers)

    with pytest.warns(
        RuntimeWarning, match=r"VOUCHERIFY_LOG='verbose' is ignored: use one of debug"
    ):
        AsyncClient("id", "sk")

    assert logger.handlers == handlers
    AsyncClient("id", "sk")  # once per process: no second warning (warnings are errors here)


@pytest.mark.usefixtures("pristine_logger")
def test_voucherify_log_is_applied_at_the_first_client_not_at_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOUCHERIFY_LOG", "debug")
    before = len(logger.handlers)

    AsyncClient("id", "sk")
    AsyncClient("id", "sk")

    assert len(logger.handlers) == before + 1
    assert logger.level == logging.DEBUG

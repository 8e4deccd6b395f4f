"""Errors are safe to log, pickle and hand to an error tracker (issue 11, item 3).

Every request object reachable from an SDK exception (its `response.request`, the `.request` of
each chained exception, aiohttp's `request_info`) carries the credential headers `[redacted]`;
no secret appears in `str`, `repr`, `pickle.dumps` or `traceback.format_exception`; every error
class the client raises pickles and unpickles to the same class and message.
"""

from __future__ import annotations

import pickle
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _fault_server import Sleeps
from _hostile_keys import API, APP_ID, SECRET_KEY, SECRETS, both_pairs, reachable_errors
from _raw_server import RawRequest, RawServer

import voucherify_async._errors
from voucherify_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    BulkUpdateError,
    NotFoundError,
    RateLimitError,
    VoucherifyConfigError,
    VoucherifyError,
)

CREDENTIAL_HEADERS = ("x-app-id", "x-app-token", "x-client-application-id", "x-client-token")


def _client(handler: Any) -> AsyncClient:
    return both_pairs(max_retries=0, transport=httpx.MockTransport(handler))


def _header_sets(error: BaseException) -> Iterator[Any]:
    for current in reachable_errors(error):
        request = getattr(current, "_request", None) or getattr(current, "request", None)
        if isinstance(request, httpx.Request):
            yield request.headers
        response = getattr(current, "response", None)
        if isinstance(response, httpx.Response):
            yield response.request.headers
            if response.next_request is not None:
                yield response.next_request.headers
        info = getattr(current, "request_info", None)
        if info is not None:
            yield info.headers


def assert_safe(error: BaseException) -> None:
    """No secret anywhere in the error, its chain or its pickle; it round-trips through pickle."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    dumped = pickle.dumps(error)
    headers = list(_header_sets(error))
    for header_set in headers:
        texts += [repr(header_set), repr(dict(header_set)), str(list(header_set.items()))]
    for secret in SECRETS:
        for text in texts:
            assert secret not in text
        assert secret.encode() not in dumped
    for header_set in headers:
        sent = {name.lower() for name in header_set}
        for name in CREDENTIAL_HEADERS:
            if name in sent:
                assert header_set[name] == "[redacted]"
    loaded = pickle.loads(dumped)
    assert type(loaded) is type(error)
    assert str(loaded) == str(error)


@pytest.mark.parametrize(
    ("status", "kwargs", "cls"),
    [
        (404, {"json": {"code": 404, "key": "not_found", "message": "no"}}, NotFoundError),
        (
            429,
            {"json": {"code": 429, "message": "slow"}, "headers": {"Retry-After": "1"}},
            RateLimitError,
        ),
        (502, {"text": "<html>bad gateway</html>"}, APIStatusError),
        (302, {"headers": {"Location": "https://evil.example/"}}, APIStatusError),
    ],
)
async def test_status_errors_hide_the_keys_and_pickle(
    status: int, kwargs: dict[str, Any], cls: type[APIStatusError]
) -> None:
    client = _client(lambda r: httpx.Response(status, **kwargs))
    async with Sleeps().install_gate(client):  # the 429's Retry-After: 1, not waited for real
        with pytest.raises(cls) as server_side:
            await client.customers.get("alice")
        with pytest.raises(cls) as client_side:
            await client.customers.update_consents_client_side("alice", {"cnst_1": True})
    for caught in (server_side, client_side):
        error = caught.value
        assert error.response.request.headers.get("x-app-token", "[redacted]") == "[redacted]"
        assert_safe(error)
        loaded = pickle.loads(pickle.dumps(error))
        assert loaded.status_code == status
        assert loaded.response.status_code == status
    assert client_side.value.response.request.headers["x-client-token"] == "[redacted]"
    assert server_side.value.response.request.headers["x-app-token"] == "[redacted]"
    assert isinstance(server_side.value, RateLimitError) == (status == 429)
    if isinstance(server_side.value, RateLimitError):
        assert pickle.loads(pickle.dumps(server_side.value)).retry_after == 1.0


@pytest.mark.parametrize(
    ("raised", "cls"),
    [
        (httpx.ConnectError, APIConnectionError),
        (httpx.ReadError, APIConnectionError),
        (httpx.RemoteProtocolError, APIConnectionError),
        (httpx.ReadTimeout, APITimeoutError),
    ],
)
async def test_the_chained_transport_error_holds_a_masked_request(
    raised: type[httpx.TransportError], cls: type[APIConnectionError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise raised("boom", request=request)

    async with _client(handler) as client:
        with pytest.raises(cls) as caught:
            await client.customers.get("alice")
    cause = caught.value.__cause__
    assert isinstance(cause, raised)
    assert cause.request.headers["x-app-token"] == "[redacted]"
    assert_safe(caught.value)


def _garbage(request: RawRequest, sock: Any, stop: Any) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}")


async def test_a_protocol_error_over_loopback_leaves_no_key_in_the_chain() -> None:
    """Both transports: httpcore's error, or aiohttp's `ClientResponseError` (request_info)."""
    with RawServer(_garbage) as server:
        async with AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, max_retries=0) as client:
            with pytest.raises(APIConnectionError) as caught:
                await client.customers.get("alice")
    assert server.requests[0].headers["x-app-token"] == SECRET_KEY
    assert_safe(caught.value)


async def test_a_validation_error_pickles() -> None:
    async with _client(lambda r: httpx.Response(200, text="not json")) as client:
        with pytest.raises(APIResponseValidationError) as caught:
            await client.customers.get("alice")
    assert_safe(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).body_excerpt == "not json"


async def test_a_bulk_update_error_pickles_with_its_failures() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": 400, "key": "invalid_payload", "message": "x"})

    async with _client(handler) as client:
        with pytest.raises(BulkUpdateError) as caught:
            await client.customers.bulk_update([{"source_id": "a", "name": "A"}])
    assert_safe(caught.value)
    loaded = pickle.loads(pickle.dumps(caught.value))
    assert (loaded.start, loaded.stop) == (0, 1)
    assert isinstance(loaded.failures[0].error, APIStatusError)


async def test_a_config_error_pickles() -> None:
    async with AsyncClient(base_url=API, transport=httpx.MockTransport(lambda r: None)) as client:  # type: ignore[arg-type,return-value]
        with pytest.raises(VoucherifyConfigError) as caught:
            await client.customers.get("alice")
    assert_safe(caught.value)


def test_every_error_class_pickles() -> None:
    errors: list[VoucherifyError] = [
        VoucherifyError("x"),
        VoucherifyConfigError("x"),
        APIConnectionError("x", method="GET", path="/p"),
        APITimeoutError("x", method="GET", path="/p"),
        APIResponseValidationError("x", method="GET", path="/p", status_code=200, body_excerpt=""),
    ]
    for error in errors:
        loaded = pickle.loads(pickle.dumps(error))
        assert type(loaded) is type(error)
        assert loaded.__dict__ == error.__dict__
        assert str(loaded) == str(error)


def test_the_error_tree_of_the_docs_is_the_docstrings() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = re.search(r"```text\n(VoucherifyError.*?)```", docs, re.S)
    docstring = re.search(
        r"```\n(VoucherifyError.*?)```", voucherify_async._errors.__doc__ or "", re.S
    )
    assert documented is not None
    assert docstring is not None
    assert documented.group(1) == docstring.group(1)
    for name in re.findall(r"── (\w+)", documented.group(1)):
        assert issubclass(getattr(voucherify_async, name), VoucherifyError)

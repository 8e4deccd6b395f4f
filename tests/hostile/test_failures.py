"""Whatever the server sends, the caller gets a `VoucherifyError` or a correct result.

Issue 11, item 5: a `Retry-After` or `X-Rate-Limit-*` that is not a finite number, JSON nested
deeper than a parser recurses, a body its `Content-Encoding` garbles, and an id too long for a
URL never escape as `ValueError`, `OverflowError`, `RecursionError`, `httpx.DecodingError` or
`httpx.InvalidURL`.
"""

from __future__ import annotations

import gzip
import json
import math
from typing import Any

import attrs
import httpx
import pytest
from _fault_server import Sleeps
from _hostile_keys import API, APP_ID, SECRET_KEY
from _raw_server import CUSTOMER, RawServer, reply
from hypothesis import given
from hypothesis import strategies as st

from voucherify_async import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncClient,
    NotFoundError,
    RateLimitError,
)
from voucherify_async._response import parse_retry_after, rate_limit_info

MAX_SEGMENT = 32_768  # the longest percent-encoded customer_id sent (`_params.MAX_SEGMENT`)
NOT_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "9" * 400]
HEADER_TEXT = st.one_of(st.text(), st.floats().map(str), st.sampled_from(NOT_FINITE))
RATE_HEADERS = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Retry")


def _client(handler: Any, **kwargs: Any) -> AsyncClient:
    return AsyncClient(
        APP_ID, SECRET_KEY, base_url=API, transport=httpx.MockTransport(handler), **kwargs
    )


# --- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [*NOT_FINITE, "-5", "1e9", "Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 99999 23:59:59 GMT"],
)
async def test_a_nonsense_retry_after_is_ignored_or_refused_never_raised(value: str) -> None:
    answers = iter([httpx.Response(429, json={"code": 429}, headers={"Retry-After": value})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=CUSTOMER))

    client = _client(handler, max_retries=1)
    sleeps = Sleeps()
    client._retry = attrs.evolve(client._retry, sleep=sleeps)
    async with client:
        if value in ("1e9", "Fri, 31 Dec 9999 23:59:59 GMT"):
            with pytest.raises(RateLimitError) as caught:  # over the 60 s cap: not waited for
                await client.customers.get("alice")
            assert caught.value.retry_after is not None
            assert 60 < caught.value.retry_after < math.inf
        else:
            customer = await client.customers.get("alice")
            assert customer.id == "cust_1"
            assert len(sleeps.delays) == 1
            assert 0 <= sleeps.delays[0] <= 60


@pytest.mark.parametrize("value", NOT_FINITE)
async def test_a_429_with_a_nonsense_retry_after_carries_none(value: str) -> None:
    transport = lambda r: httpx.Response(429, json={"code": 429}, headers={"Retry-After": value})  # noqa: E731
    async with _client(transport, max_retries=0) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("alice")
    assert caught.value.retry_after is None


@given(HEADER_TEXT)
def test_retry_after_parsing_is_total(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


# --- X-Rate-Limit-* -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*NOT_FINITE, "12abc", "", "  "])
async def test_a_bad_rate_limit_header_never_fails_a_successful_call(value: str) -> None:
    headers = {name: value for name in RATE_HEADERS}
    async with _client(lambda r: httpx.Response(200, json=CUSTOMER, headers=headers)) as client:
        customer = await client.customers.get("alice")
        info = client.last_rate_limit
    assert customer.id == "cust_1"
    assert info is not None
    assert (info.limit, info.remaining, info.retry_at) == (None, None, None)


@pytest.mark.parametrize("value", NOT_FINITE)
async def test_a_bad_rate_limit_header_on_a_429_still_raises_rate_limit_error(value: str) -> None:
    headers = {name: value for name in RATE_HEADERS}
    transport = lambda r: httpx.Response(429, json={"code": 429}, headers=headers)  # noqa: E731
    async with _client(transport, max_retries=0) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("alice")
    assert caught.value.rate_limit.limit is None


@given(st.dictionaries(st.sampled_from((*RATE_HEADERS, "Retry-After")), HEADER_TEXT))
def test_rate_limit_parsing_is_total(values: dict[str, str]) -> None:
    printable = {
        k: v.encode("ascii", "ignore").decode().replace("\r", "").replace("\n", "")
        for k, v in values.items()
    }
    info = rate_limit_info(httpx.Headers(printable))
    for number in (info.limit, info.remaining, info.retry_at):
        assert number is None or isinstance(number, int)


# --- deeply nested JSON -------------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_IN_METADATA = (
    b'{"id": "cust_1", "object": "customer", "metadata": {"a": '
    + b'{"a": ' * 50_000
    + b"1"
    + b"}" * 50_000
    + b"}}"
)


@pytest.mark.parametrize("body", [DEEP, DEEP_IN_METADATA], ids=["list", "metadata"])
async def test_deep_json_in_a_2xx_is_a_validation_error(body: bytes) -> None:
    transport = lambda r: httpx.Response(200, content=body)  # noqa: E731
    async with _client(transport) as client:
        with pytest.raises(APIResponseValidationError) as caught:
            await client.customers.get("alice")
    assert caught.value.body_excerpt.startswith(body[:20].decode())


async def test_deep_json_in_an_error_body_is_the_status_error_with_an_excerpt() -> None:
    transport = lambda r: httpx.Response(404, content=DEEP)  # noqa: E731
    async with _client(transport, max_retries=0) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.customers.get("alice")
    assert caught.value.body is None
    assert caught.value.message is not None
    assert caught.value.message.startswith("[[[[")


# --- a body its Content-Encoding garbles ------------------------------------------------------

CORRUPT_GZIP = gzip.compress(json.dumps(CUSTOMER).encode())[:-12] + b"garbage!" * 4


@pytest.mark.parametrize("body", [b"not gzip at all", CORRUPT_GZIP], ids=["plain", "truncated"])
async def test_a_corrupt_gzip_body_is_a_connection_error(body: bytes) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"})

    async with _client(handler, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="DecodingError") as caught:
            await client.customers.get("alice")
    assert isinstance(caught.value.__cause__, httpx.DecodingError)
    assert len(seen) == 1


# httpx raises DecodingError from `aiter_bytes` while the generators under it (httpx's and
# httpcore's) are suspended; on trio, collecting them warns. httpx closes the connection itself.
@pytest.mark.filterwarnings("ignore:Async generator 'http:ResourceWarning")
async def test_a_corrupt_gzip_body_over_loopback_is_a_connection_error() -> None:
    """Both transports (the `--http-backend` switch); a GET is retried, a bulk POST is not."""
    gzip_reply = reply(200, b"not gzip at all", ("Content-Encoding", "gzip"))
    with RawServer(gzip_reply) as server:
        client = AsyncClient(APP_ID, SECRET_KEY, base_url=server.url, max_retries=1)
        client._retry = attrs.evolve(client._retry, sleep=Sleeps())
        async with client:
            with pytest.raises(APIConnectionError, match="DecodingError"):
                await client.customers.get("alice")
            with pytest.raises(APIConnectionError, match="may have executed"):
                await client.customers.update_in_bulk([{"source_id": "a", "name": "A"}])
    assert [r.method for r in server.requests] == ["GET", "GET", "POST"]


# --- an id too long for a URL -------------------------------------------------------------------


@pytest.mark.parametrize("length", [MAX_SEGMENT + 1, 70_000])
async def test_an_id_too_long_for_a_url_is_a_value_error_naming_it(length: int) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent")

    async with _client(never) as client:
        for call in (
            client.customers.get,
            client.customers.delete,
            client.customers.list_segments,
        ):
            with pytest.raises(ValueError, match="customer_id is too long") as caught:
                await call("x" * length)
            assert len(str(caught.value)) < 200
        with pytest.raises(ValueError, match="customer_id"):
            await client.customers.get("é" * (MAX_SEGMENT // 6 + 1))  # 6 characters encoded


async def test_an_id_at_the_limit_is_sent() -> None:
    from voucherify_async import _params

    assert _params.MAX_SEGMENT == MAX_SEGMENT
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CUSTOMER)

    async with _client(handler) as client:
        await client.customers.get("x" * MAX_SEGMENT)
    assert len(seen) == 1


async def test_a_query_too_long_for_a_url_is_a_value_error() -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent")

    async with _client(never) as client:
        with pytest.raises(ValueError, match="invalid URL") as caught:
            await client.customers.list(email="x" * 70_000)
    assert len(str(caught.value)) < 300

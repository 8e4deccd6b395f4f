"""Hostile rate-limit headers: whatever the server sends, a documented error or a result, no hang.

The values reach `RateLimitInfo`, `RateLimitError` and the client's rate-limit gate; each must
survive NaN, infinities, huge and negative numbers and junk.
"""

from __future__ import annotations

import math

import anyio
import httpx
import pytest

from voucherify_async import AsyncClient, RateLimitError
from voucherify_async._response import parse_retry_after

pytestmark = pytest.mark.anyio

HOSTILE = ["nan", "inf", "-inf", "1e400", "-1e400", "-5", "1e300", "junk", "", "9" * 400]
NAMES = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Retry", "Retry-After")


def client_answering(status: int, value: str) -> AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {**dict.fromkeys(NAMES, value), "X-Rate-Limit-Type": value or "api_calls"}
        return httpx.Response(status, json={"id": "c", "object": "customer"}, headers=headers)

    return AsyncClient(
        "app", "key", base_url="https://api.test", transport=httpx.MockTransport(handler)
    )


@pytest.mark.parametrize("value", HOSTILE)
async def test_a_success_with_hostile_rate_limit_headers_is_a_result(value: str) -> None:
    async with client_answering(200, value) as client:
        with anyio.fail_after(5):
            for _ in range(3):
                await client.customers.get("c")
        info = client.last_rate_limit
    assert info is not None
    for number in (info.limit, info.remaining, info.retry_at, info.retry_after):
        assert number is None or math.isfinite(number)


@pytest.mark.parametrize("value", HOSTILE)
async def test_a_429_with_hostile_headers_is_a_rate_limit_error_raised_in_bounded_time(
    value: str,
) -> None:
    async with client_answering(429, value) as client:
        client = client.with_options(max_rate_limit_wait=0.5)
        with anyio.fail_after(10), pytest.raises(RateLimitError) as caught:
            await client.customers.get("c")
        with anyio.fail_after(5), pytest.raises(RateLimitError):
            await client.customers.get("c")  # a closed gate raises at once, or a 429 again
    error = caught.value
    assert error.retry_after is None or math.isfinite(error.retry_after)
    assert error.retry_at is None or error.retry_at.year <= 9999


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_retry_after_is_never_a_non_finite_number(value: str) -> None:
    assert parse_retry_after(value) is None

"""`FakeVoucherify(rate_limit=(n, seconds))`: the API's headers and 429s at a fixed window."""

from __future__ import annotations

import math

import httpx
import pytest

from voucherify_async.testing import FakeVoucherify, ManualClock
from voucherify_async.testing.__main__ import _rate_limit

pytestmark = pytest.mark.anyio

START = 1704067200  # the ManualClock's 2024-01-01T00:00:00Z


@pytest.fixture
def fake(clock: ManualClock) -> FakeVoucherify:
    """The conftest's fake (and so its validating `http` client), with an enforced limit."""
    return FakeVoucherify(clock=clock, rate_limit=(3, 10))


def window(response: httpx.Response) -> tuple[str, ...]:
    names = ("limit", "remaining", "retry")
    return tuple(response.headers[f"x-rate-limit-{name}"] for name in names)


async def test_requests_past_the_limit_get_the_apis_429(
    http: httpx.AsyncClient, fake: FakeVoucherify, clock: ManualClock
) -> None:
    clock.advance(seconds=5)  # the first window opens with the first request, not before
    answers = [await http.get("/v1/customers") for _ in range(3)]
    refused = await http.post("/v1/customers", json={"source_id": "late"})

    assert [r.status_code for r in answers] == [200, 200, 200]
    opened = START + 5
    assert [window(r) for r in answers] == [
        ("3", "2", str(opened)),
        ("3", "1", str(opened)),
        ("3", "0", str(opened + 10)),
    ]
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "message": "Too many requests hit the API too quickly."}
    assert window(refused) == ("3", "0", str(opened + 10))
    assert refused.headers["retry-after"] == "10"
    assert refused.headers["x-rate-limit-type"] == "api_calls"
    assert "x-fake-fault" not in refused.headers
    assert fake.get_customer("late") is None  # a refused request is not run
    assert fake.rate_limited == 1
    assert len(fake.requests) == 4  # but it is recorded


async def test_the_next_window_opens_with_the_first_request_after_the_last_one(
    http: httpx.AsyncClient, clock: ManualClock
) -> None:
    for _ in range(4):
        await http.get("/v1/customers")
    clock.advance(seconds=9.999)
    still = await http.get("/v1/customers")
    clock.advance(seconds=30)
    fresh = await http.get("/v1/customers")

    assert still.status_code == 429
    assert still.headers["retry-after"] == "0.001"
    assert fresh.status_code == 200
    assert window(fresh) == ("3", "2", f"{START + 39}.999")  # the window opened at 39.999


async def test_a_short_window_speaks_in_milliseconds(clock: ManualClock) -> None:
    fake = FakeVoucherify(clock=clock, rate_limit=(1, 0.25))
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=fake.base_url, headers=fake.server_headers()
    ) as client:
        first = await client.get("/v1/customers")
        clock.advance(ms=100)
        second = await client.get("/v1/customers")

    assert first.headers["x-rate-limit-retry"] == f"{START}.250"
    assert second.status_code == 429
    assert second.headers["retry-after"] == "0.150"


async def test_an_int_rate_limit_only_informs(clock: ManualClock) -> None:
    fake = FakeVoucherify(clock=clock, rate_limit=2)
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=fake.base_url, headers=fake.server_headers()
    ) as client:
        answers = [await client.get("/v1/customers") for _ in range(4)]

    assert [r.status_code for r in answers] == [200] * 4
    assert [r.headers["x-rate-limit-remaining"] for r in answers] == ["1", "0", "0", "0"]
    assert fake.rate_limited == 0


@pytest.mark.parametrize(
    "rate_limit", [(0, 1), (-1, 1), (True, 1), (1.5, 1), (1, 0), (1, -1), (1, math.inf), (1, "1")]
)
def test_a_nonsense_rate_limit_is_refused(rate_limit: tuple[int, float]) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        FakeVoucherify(rate_limit=rate_limit)


def test_the_module_takes_a_rate_limit_as_n_per_seconds() -> None:
    assert _rate_limit("100/60") == (100, 60.0)
    assert _rate_limit("5/0.5") == (5, 0.5)
    with pytest.raises(Exception, match="N/SECONDS"):
        _rate_limit("100")

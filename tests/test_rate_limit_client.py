"""The client at the account's rate limit: one gate, shared by tasks and `with_options` copies.

Against the embedded fake with a short enforced window (`FakeVoucherify(rate_limit=(n, s))`),
on asyncio and trio; `respx` where a header the fake does not send is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
import httpx
import pytest
from _fault_server import Sleeps

from voucherify_async import AsyncClient, ClientStats, RateLimitError
from voucherify_async.testing import FakeVoucherify

pytestmark = pytest.mark.anyio

Call = Callable[[AsyncClient], Awaitable[object]]
POSTS: dict[str, tuple[str, Call]] = {
    "bulk": (
        "/v1/customers/bulk/async",
        lambda c: c.customers.update_in_bulk([{"source_id": "seed-00001", "name": "A"}]),
    ),
    "metadata": (
        "/v1/customers/metadata/async",
        lambda c: c.customers.update_metadata_in_bulk(["seed-00001"], {"tier": 1}),
    ),
    "import": (
        "/v1/customers/importCSV",
        lambda c: c.customers.import_csv(b"source_id,name\nnew-1,New\n"),
    ),
}


def limited_fake(
    limit: int, window: float, customers: int = 1, clock: Callable[[], datetime] | None = None
) -> FakeVoucherify:
    fake = FakeVoucherify(rate_limit=(limit, window), clock=clock)
    fake.seed_customers(customers)
    return fake


def sent(fake: FakeVoucherify, path: str) -> int:
    return sum(1 for request in fake.requests if request.path == path)


async def test_fifty_tasks_at_the_limit_finish_without_failures() -> None:
    fake = limited_fake(50, 0.1)
    failures: list[BaseException] = []
    async with AsyncClient(**fake.client_kwargs()) as client:

        async def worker() -> None:
            for _ in range(3):
                try:
                    await client.customers.get("seed-00001")
                except RateLimitError as exc:
                    failures.append(exc)

        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(worker)
        stats = client.stats
    assert failures == []
    assert fake.rate_limited <= 5
    assert stats.requests_sent == len(fake.requests) == 150 + fake.rate_limited
    assert stats.throttled == fake.rate_limited


async def test_rate_limit_keeps_a_burst_under_the_limit_from_the_first_request() -> None:
    fake = limited_fake(10, 0.1)
    client = AsyncClient(**fake.client_kwargs(), rate_limit=(10, 0.1))
    async with client, anyio.create_task_group() as tg:
        for _ in range(30):
            tg.start_soon(client.customers.get, "seed-00001")
    assert fake.rate_limited == 0
    assert len(fake.requests) == 30


@pytest.mark.parametrize("call", sorted(POSTS))
async def test_a_429_on_a_post_is_waited_out_and_sent_exactly_once_more(call: str) -> None:
    path, send = POSTS[call]
    fake = limited_fake(1000, 60)
    fake.inject_fault(429, path=path, retry_after=0.05)
    async with AsyncClient(**fake.client_kwargs()) as client:
        await send(client)
        stats = client.stats
    assert sent(fake, path) == 2
    first, second = [r.body for r in fake.requests if r.path == path]
    if call == "import":  # a new multipart boundary, the same file
        assert first.count(b"new-1,New") == second.count(b"new-1,New") == 1
    else:
        assert first == second
    assert (stats.throttled, stats.retries, stats.gate_waits) == (1, 1, 1)
    assert 0.01 < stats.seconds_waited < 1  # from the 429 until the window reopened


async def test_max_retries_zero_raises_the_429_at_once() -> None:
    fake = limited_fake(1000, 60)
    fake.inject_fault(429, retry_after=0.05)
    async with AsyncClient(**fake.client_kwargs(), max_retries=0) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("seed-00001")
        assert caught.value.response is not None
        assert len(fake.requests) == 1
        await client.customers.get("seed-00001")  # waits at the gate: no retry is needed
        assert client.stats.gate_waits == 1


async def test_a_wait_past_max_rate_limit_wait_raises_at_once_without_sending() -> None:
    fake = limited_fake(1, 120)
    async with AsyncClient(**fake.client_kwargs()) as client:
        await client.customers.get("seed-00001")  # Remaining 0: the gate closes for 120 s
        started = anyio.current_time()
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("seed-00001")
        assert anyio.current_time() - started < 1
    assert len(fake.requests) == 1
    error = caught.value
    assert error.response is None
    assert error.limit_type is None  # Remaining 0 on a 200 names no type
    assert error.retry_at is not None
    assert 100 < (error.retry_at - datetime.now(UTC)).total_seconds() <= 121


async def test_a_429_whose_wait_is_past_the_copys_budget_raises_it_at_once() -> None:
    fake = limited_fake(1000, 60)
    fake.inject_fault(429, retry_after=1)
    async with AsyncClient(**fake.client_kwargs()) as client:
        impatient = client.with_options(max_rate_limit_wait=0.2)
        assert impatient.max_rate_limit_wait == 0.2
        started = anyio.current_time()
        with pytest.raises(RateLimitError) as caught:
            await impatient.customers.get("seed-00001")
        assert anyio.current_time() - started < 0.5
    assert caught.value.response is not None  # the 429 itself, with its request id
    assert caught.value.retry_at is not None
    assert caught.value.limit_type == "api_calls"
    assert len(fake.requests) == 1


def cycle_spent(request: httpx.Request) -> httpx.Response:
    headers = {
        "X-Rate-Limit-Limit": "100000",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Retry": "1893456000",  # 2030-01-01
        "X-Rate-Limit-Type": "api_calls_cycle",
        "Retry-After": "2",
    }
    return httpx.Response(429, json={"code": 429, "message": "Too many"}, headers=headers)


async def test_a_spent_billing_cycle_raises_at_once_with_retry_at() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return cycle_spent(request)

    async with AsyncClient(
        "app", "key", base_url="https://api.test", transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.customers.get("c")
        with pytest.raises(RateLimitError) as again:
            await client.with_options(max_rate_limit_wait=3600).customers.get("c")
        assert client.stats == ClientStats(requests_sent=1, throttled=1)
    assert len(requests) == 1  # the second call was not sent
    for error in (caught.value, again.value):
        assert error.limit_type == "api_calls_cycle"
        assert error.retry_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert "billing cycle" in str(again.value)


async def test_cancelling_a_task_at_the_gate_releases_nothing_it_did_not_hold() -> None:
    fake = limited_fake(3, 0.5, customers=4)
    async with AsyncClient(**fake.client_kwargs()) as client:
        for _ in range(3):
            await client.customers.get("seed-00001")  # the window is spent: the gate closes
        scopes = {name: anyio.CancelScope() for name in "ABCD"}

        async def call(name: str) -> None:
            with scopes[name]:
                await client.customers.get(f"seed-0000{'ABCD'.index(name) + 1}")

        async with anyio.create_task_group() as tg:
            for name in "ABCD":
                tg.start_soon(call, name)
            await anyio.sleep(0.05)
            assert client.stats.gate_waits == 4
            scopes["B"].cancel()
        stats = client.stats
    # B left without a permit: the next window's 3 went to A, C and D, and none was refused.
    assert sorted(r.path[-1] for r in fake.requests[3:]) == ["1", "3", "4"]
    assert fake.rate_limited == 0
    assert stats.requests_sent == len(fake.requests) == 6


async def test_with_options_copies_share_the_gate() -> None:
    fake = limited_fake(3, 0.2)
    async with AsyncClient(**fake.client_kwargs()) as client:
        copies = [client.with_options(timeout=5), client.with_options(max_retries=1), client]
        async with anyio.create_task_group() as tg:
            for copy in copies:
                for _ in range(3):
                    tg.start_soon(copy.customers.get, "seed-00001")
        assert client.stats == copies[0].stats
        assert client.stats.requests_sent == 9
    assert fake.rate_limited == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_rate_limit_wait": -1}, "max_rate_limit_wait"),
        ({"max_rate_limit_wait": float("inf")}, "max_rate_limit_wait"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": (10, 0)}, "rate_limit"),
    ],
)
def test_nonsense_rate_limit_settings_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AsyncClient("app", "key", **options)  # type: ignore[arg-type]


async def test_with_options_refuses_a_nonsense_max_rate_limit_wait() -> None:
    async with AsyncClient("app", "key") as client:
        with pytest.raises(ValueError, match="max_rate_limit_wait"):
            client.with_options(max_rate_limit_wait=float("nan"))


async def test_async_action_polls_wait_for_the_window_within_their_own_timeout() -> None:
    fake = limited_fake(2, 0.3)
    fake.async_polls_before_done = 1
    async with AsyncClient(**fake.client_kwargs()) as client:
        impatient = client.with_options(max_rate_limit_wait=0.01)
        ref = await impatient.customers.update_in_bulk([{"source_id": "seed-00001", "name": "A"}])
        # The first poll spends the window; the second is not sent before it reopens, though
        # one call of `impatient` may not wait 0.3 s for the limit.
        action = await impatient.async_actions.wait(ref, poll_interval=0.01, timeout=5)
    assert action.status == "DONE"
    assert fake.rate_limited == 0
    assert len(fake.requests) == 3


@dataclass
class HeldWindow(Sleeps):
    """Virtual clocks for the gate (`Sleeps`) and the fake: the window reopens on `reopen` only.

    However slow the machine, the window is spent until the test says otherwise.
    """

    waiting: anyio.Event = field(default_factory=anyio.Event)  # a wait for the window began
    reopen: anyio.Event = field(default_factory=anyio.Event)

    async def __call__(self, delay: float) -> None:
        self.waiting.set()
        await self.reopen.wait()
        await super().__call__(delay)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.wall(), UTC)


async def test_a_prefetching_pager_does_not_fetch_ahead_while_the_window_is_spent() -> None:
    window = HeldWindow()
    fake = limited_fake(2, 0.3, customers=250, clock=window.now)
    async with window.install_gate(AsyncClient(**fake.client_kwargs())) as client:
        seen = []
        async with client.customers.iter_all(limit=100) as pager:
            async for customer in pager:
                seen.append(customer.id)
                if len(seen) == 101:  # page 2 in hand: the window (2 requests) is spent
                    with anyio.fail_after(10):
                        await window.waiting.wait()  # the prefetch waits for it
                    assert len(fake.requests) == 2
                    assert client.stats.gate_waits == 0  # the prefetch is not queued
                    window.reopen.set()
        stats = client.stats
    assert len(seen) == len(set(seen)) == 250
    assert fake.rate_limited == 0
    assert stats.requests_sent == 3

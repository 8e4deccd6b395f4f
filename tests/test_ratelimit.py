"""The rate-limit pacer on its own: what it learns from headers, when it waits, and for how long.

Most tests drive it with a fake clock whose `sleep` moves time on, so nothing waits for real; the
ones about concurrency, FIFO order and cancellation use real windows of ~100 ms.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import formatdate

import anyio
import pytest

from voucherify_async import RateLimitError
from voucherify_async._ratelimit import (
    MAX_CLOSURE,
    ClientStats,
    Pacer,
    WaitBudget,
    check_max_rate_limit_wait,
    parse_rate_limit,
)

pytestmark = pytest.mark.anyio

EPOCH = 1_700_000_000.0


class FakeTime:
    """A monotonic clock, a wall clock `EPOCH` ahead of it, and a sleep that moves both on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return EPOCH + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def pacer_on(fake_time: FakeTime, **kwargs: object) -> Pacer:
    return Pacer(clock=fake_time.clock, wall_clock=fake_time.wall, sleep=fake_time.sleep, **kwargs)  # type: ignore[arg-type]


def headers(
    limit: object = None, remaining: object = None, retry: object = None, **more: str
) -> dict[str, str]:
    out = {name.replace("_", "-"): value for name, value in more.items()}
    for name, value in (("limit", limit), ("remaining", remaining), ("retry", retry)):
        if value is not None:
            out[f"x-rate-limit-{name}"] = str(value)
    return out


async def take(pacer: Pacer, budget: float = 60.0) -> int:
    return await pacer.acquire(WaitBudget(budget), method="GET", path="/v1/customers/c")


async def test_requests_go_freely_until_a_response_tells(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    assert [await take(pacer) for _ in range(10)] == list(range(10))
    pacer.learn(0, 200, headers(10, 9))
    assert not pacer.is_open  # the 9 in flight spend the 9 left
    assert fake_time.sleeps == []
    assert pacer.stats == ClientStats(requests_sent=10)


async def test_a_server_without_rate_limit_headers_is_not_paced(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, {"content-type": "application/json"})
    assert [await take(pacer) for _ in range(100)] == list(range(1, 101))
    assert pacer.is_open


async def test_remaining_counts_the_permits_in_flight(fake_time: FakeTime) -> None:
    """`Remaining: 8` on the first of 9 requests in flight leaves nothing for a 10th."""
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(10, 9, int(EPOCH)))
    for _ in range(9):
        await take(pacer)
    pacer.learn(1, 200, headers(10, 8, int(EPOCH)))
    assert not pacer.is_open
    pacer.learn(9, 200, headers(10, 3, int(EPOCH)))  # counted early: it overstates
    assert not pacer.is_open


async def test_remaining_zero_closes_the_gate_until_the_retry_time(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(3, 2, EPOCH))
    await take(pacer), await take(pacer)
    pacer.learn(1, 200, headers(3, 1, EPOCH))
    pacer.learn(2, 200, headers(3, 0, EPOCH + 10))
    assert not pacer.is_open
    permits = [await take(pacer) for _ in range(3)]  # the next window: Limit permits
    assert permits == [3, 4, 5]
    assert fake_time.sleeps == [10.0]
    assert not pacer.is_open  # a fourth would exceed the new window's Limit
    assert pacer.stats.gate_waits == 1
    assert pacer.stats.seconds_waited == 10.0


async def test_a_429_closes_the_gate_for_retry_after_and_is_counted(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    permit = await take(pacer)
    signal = pacer.learn(permit, 429, {"retry-after": "3", "x-rate-limit-type": "api_calls"})
    assert signal.reopens_in == 3.0
    assert signal.limit_type == "api_calls"
    assert signal.retry_at == datetime.fromtimestamp(EPOCH + 3, UTC)
    await take(pacer)
    assert fake_time.sleeps == [3.0]
    assert pacer.stats.throttled == 1


async def test_a_429_without_any_timing_closes_the_gate_briefly(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 429, {})
    await take(pacer)
    assert fake_time.sleeps == [1.0]


async def test_a_wait_past_the_budget_raises_at_once(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    permit = await take(pacer)
    pacer.learn(permit, 429, headers(100, 0, EPOCH + 90, x_rate_limit_type="api_calls"))
    with pytest.raises(RateLimitError) as caught:
        await take(pacer, budget=60)
    assert fake_time.sleeps == []  # no sleep first
    error = caught.value
    assert error.retry_at == datetime.fromtimestamp(EPOCH + 90, UTC)
    assert error.limit_type == "api_calls"
    assert error.response is None
    assert "reopens in 90.0 s" in str(error)
    assert pacer.stats.requests_sent == 1


async def test_the_budget_is_spent_across_the_waits_of_one_call(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    budget = WaitBudget(15)
    pacer.learn(await take(pacer), 429, {"retry-after": "10"})
    permit = await pacer.acquire(budget, method="GET", path="/p")
    assert budget.left == 5.0
    pacer.learn(permit, 429, {"retry-after": "10"})
    assert pacer.refusal(budget) is not None
    with pytest.raises(RateLimitError):
        await pacer.acquire(budget, method="GET", path="/p")
    assert fake_time.sleeps == [10.0]


async def test_a_spent_billing_cycle_raises_at_once_however_soon(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    cycle = headers(100, 0, EPOCH + 5, x_rate_limit_type="api_calls_cycle")
    signal = pacer.learn(await take(pacer), 429, cycle)
    assert signal.limit_type == "api_calls_cycle"
    with pytest.raises(RateLimitError) as caught:
        await take(pacer, budget=60)
    assert caught.value.limit_type == "api_calls_cycle"
    assert caught.value.retry_at == datetime.fromtimestamp(EPOCH + 5, UTC)
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "-5", "1e400", "abc", "", " 7 ", "1e300", "0x10"]
)
async def test_hostile_header_values_never_raise_or_hang(fake_time: FakeTime, value: str) -> None:
    pacer = pacer_on(fake_time)
    for status in (200, 429):
        permit = await take(pacer, budget=MAX_CLOSURE)
        names = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-retry")
        signal = pacer.learn(permit, status, {**dict.fromkeys(names, value), "retry-after": value})
        assert 0 <= signal.reopens_in <= MAX_CLOSURE
        assert signal.retry_at is None or signal.retry_at.tzinfo is UTC
    await take(pacer, budget=MAX_CLOSURE)
    assert all(math.isfinite(s) and 0 <= s <= MAX_CLOSURE for s in fake_time.sleeps)


async def test_a_far_future_retry_time_closes_for_at_most_max_closure(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    signal = pacer.learn(await take(pacer), 429, headers(1, 0, "1e300"))
    assert signal.reopens_in == MAX_CLOSURE
    assert signal.retry_at == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(RateLimitError):
        await take(pacer)  # 60 s budget: raised at once
    await take(pacer, budget=MAX_CLOSURE)
    assert fake_time.sleeps == [MAX_CLOSURE]


async def test_remaining_zero_without_a_time_lets_one_probe_go_when_idle(
    fake_time: FakeTime,
) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(5, 0))
    assert pacer.is_open  # nothing in flight to learn from: one request finds out
    await take(pacer)
    assert not pacer.is_open


async def test_in_a_window_the_lowest_bound_holds(fake_time: FakeTime) -> None:
    """The server counted the newest request first: its `Remaining` overstates what is left."""
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(10, 9))
    first, _, third = await take(pacer), await take(pacer), await take(pacer)
    pacer.learn(third, 200, headers(10, 8))  # 8 left, 2 in flight: bound 4 + 8 - 2 = 10
    pacer.learn(first, 200, headers(10, 6))  # 6 left, 1 in flight: bound 4 + 6 - 1 = 9
    assert [await take(pacer) for _ in range(5)] == [4, 5, 6, 7, 8]
    assert not pacer.is_open


async def test_an_exact_answer_resets_the_bound(fake_time: FakeTime) -> None:
    """The server's window rolled over without the gate closing: the newest answer says so."""
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(5, 4))
    first, second = await take(pacer), await take(pacer)
    pacer.learn(first, 200, headers(5, 1))  # bound 3 + 1 - 1 = 3
    assert not pacer.is_open
    pacer.learn(second, 200, headers(5, 4))  # the newest, nothing else in flight: 4 more
    assert [await take(pacer) for _ in range(4)] == [3, 4, 5, 6]
    assert not pacer.is_open


async def test_an_old_answer_arriving_last_does_not_reset_the_bound(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    first, second = await take(pacer), await take(pacer)
    pacer.learn(second, 200, headers(2, 0))  # counted second, answered first
    pacer.learn(first, 200, headers(2, 1))  # not the newest: it speaks of an older state
    await take(pacer)  # nothing in flight: one probe
    assert not pacer.is_open


async def test_a_stale_429_from_before_the_reopening_does_not_close_again(
    fake_time: FakeTime,
) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, {})
    early, late = await take(pacer), await take(pacer)
    pacer.learn(late, 429, {"retry-after": "2"})
    await take(pacer)
    pacer.learn(early, 429, {"retry-after": "2"})  # sent in the old window
    assert pacer.is_open


async def test_released_permits_stay_counted(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(3, 2))
    a, b = await take(pacer), await take(pacer)
    pacer.learn(a, 200, headers(3, 1))  # `b` spends the last one
    assert not pacer.is_open
    pacer.release(b)  # no response: it may have been counted
    assert pacer.is_open  # nothing in flight: a probe goes
    assert pacer.stats.requests_sent == 3


async def test_rate_limit_paces_from_the_first_request(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time, rate_limit=(3, 1.0))
    pacer.learn(await take(pacer), 200, {})
    for _ in range(2):
        await take(pacer)
    fake_time.now += 0.25
    await take(pacer)
    assert fake_time.sleeps == [0.75]
    fake_time.sleeps.clear()
    for _ in range(2):  # at 0, 0, 0, 1, 1, 1: never more than 3 in a second
        await take(pacer)
    assert fake_time.sleeps == []
    await take(pacer)
    assert fake_time.sleeps == [1.0]


async def test_pacing_past_the_budget_raises_at_once(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time, rate_limit=(1, 120.0))
    pacer.learn(await take(pacer), 200, {})
    with pytest.raises(RateLimitError, match=r"rate_limit pacing would wait 120\.0 s"):
        await take(pacer, budget=60)
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (100, (100, 60.0)), ((5, 1), (5, 1.0)), ((50, 0.5), (50, 0.5))],
)
def test_rate_limit_forms(value: object, expected: object) -> None:
    assert parse_rate_limit(value) == expected


@pytest.mark.parametrize(
    "value", [0, -1, True, 1.5, "100", (5,), (5, 0), (5, -1), (5, math.inf), (0, 1), (5, 1, 2)]
)
def test_rate_limit_rejects_nonsense(value: object) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        parse_rate_limit(value)


@pytest.mark.parametrize("value", [-1, -0.5, math.nan, math.inf])
def test_max_rate_limit_wait_rejects_nonsense(value: object) -> None:
    with pytest.raises(ValueError, match="max_rate_limit_wait"):
        check_max_rate_limit_wait(value)


@pytest.mark.parametrize("value", ["60", None, True])
def test_max_rate_limit_wait_must_be_a_number(value: object) -> None:
    with pytest.raises(TypeError, match="max_rate_limit_wait"):
        check_max_rate_limit_wait(value)


def test_max_rate_limit_wait_accepts_seconds() -> None:
    assert check_max_rate_limit_wait(0) == 0.0
    assert check_max_rate_limit_wait(2.5) == 2.5


# -- real time: FIFO order, cancellation, concurrency ---------------------------------------


async def test_waiters_go_in_arrival_order_and_a_cancelled_one_takes_nothing() -> None:
    pacer = Pacer()
    pacer.learn(await take(pacer), 429, headers(2, 0, retry_after="0.1"))
    order: list[tuple[str, int]] = []

    async def wait(name: str) -> None:
        order.append((name, await take(pacer)))

    async with anyio.create_task_group() as tg:
        scopes = {}
        for name in "ABC":
            scope = anyio.CancelScope()
            scopes[name] = scope

            async def run(name: str = name, scope: anyio.CancelScope = scope) -> None:
                with scope:
                    await wait(name)

            tg.start_soon(run)
            await anyio.sleep(0.01)  # arrival order A, B, C
        scopes["B"].cancel()
    assert order == [("A", 1), ("C", 2)]  # B consumed no permit; the window's 2 went to A and C
    assert pacer.stats.requests_sent == 3
    assert pacer.stats.gate_waits == 3


async def test_a_waiter_in_the_queue_gives_up_when_its_budget_is_spent() -> None:
    pacer = Pacer()
    pacer.learn(await take(pacer), 200, headers(3, 2))
    for _ in range(2):
        await take(pacer)
    pacer.learn(1, 200, headers(3, 1))  # one in flight spends the last; no reopening time
    started = anyio.current_time()
    with pytest.raises(RateLimitError, match=r"waited max_rate_limit_wait \(0.05 s\)"):
        await take(pacer, budget=0.05)
    assert anyio.current_time() - started < 1
    pacer.learn(2, 200, headers(3, 0))
    assert pacer.is_open


class WindowServer:
    """A fixed-window limit in process: `limit` requests per `window` s, opened by a request."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.ends = -math.inf
        self.count = 0
        self.refused = 0

    def answer(self) -> tuple[int, dict[str, str]]:
        now = anyio.current_time()
        if now >= self.ends:
            self.ends, self.count = now + self.window, 0
        self.count += 1
        remaining = max(self.limit - self.count, 0)
        import time

        retry = time.time() + (self.ends - now if remaining == 0 else 0)
        out = headers(self.limit, remaining, f"{retry:.3f}")
        if self.count > self.limit:
            self.refused += 1
            out["retry-after"] = f"{self.ends - now:.3f}"
            return 429, out
        return 200, out


@pytest.mark.parametrize("rate_limit", [None, (20, 0.1)])
async def test_many_tasks_share_the_window_with_at_most_a_few_429s(
    rate_limit: tuple[int, float] | None,
) -> None:
    server = WindowServer(limit=20, window=0.1)
    pacer = Pacer(rate_limit=rate_limit)
    done = 0

    async def call(count: int) -> None:
        nonlocal done
        for _ in range(count):
            await one()

    async def one() -> None:
        nonlocal done
        budget = WaitBudget(5)
        while True:
            permit = await pacer.acquire(budget, method="GET", path="/p")
            await anyio.sleep(0.002)
            status, answer = server.answer()
            await anyio.sleep(0.002)
            pacer.learn(permit, status, answer)
            if status == 200:
                done += 1
                return

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(call, 4)  # 80 calls: 4 windows
    assert done == 80
    assert server.refused <= (0 if rate_limit else 1)
    assert pacer.stats.throttled == server.refused


async def test_wait_open_waits_out_a_closed_gate_without_taking_a_permit(
    fake_time: FakeTime,
) -> None:
    pacer = pacer_on(fake_time)
    await pacer.wait_open()  # open: at once
    pacer.learn(await take(pacer), 429, {"retry-after": "4"})
    await pacer.wait_open()
    assert fake_time.sleeps == [4.0]
    assert pacer.stats.requests_sent == 1
    assert pacer.is_open


async def test_wait_open_does_not_wait_for_answers_in_flight(fake_time: FakeTime) -> None:
    pacer = pacer_on(fake_time)
    pacer.learn(await take(pacer), 200, headers(3, 1))
    await take(pacer)  # the last one: spent until its answer, but not closed
    assert not pacer.is_open
    await pacer.wait_open()
    assert fake_time.sleeps == []


@pytest.mark.parametrize(("date_offset", "wait"), [(-300.0, 10.0), (400.0, 10.0), (1.0, 10.0)])
async def test_the_retry_time_is_read_on_the_servers_clock(
    fake_time: FakeTime, date_offset: float, wait: float
) -> None:
    """Our clock is 300 s ahead of (or 400 s behind) the server's: `Date` tells."""
    pacer = pacer_on(fake_time)
    server_now = EPOCH + date_offset
    answer = headers(5, 0, server_now + 10, date=formatdate(server_now, usegmt=True))
    signal = pacer.learn(await take(pacer), 200, answer)
    # A skew within 2 s is ignored: the retry time is then read against our own clock.
    expected = wait if abs(date_offset) > 2 else 10.0 + date_offset
    assert signal.reopens_in == pytest.approx(expected, abs=0.51)


@pytest.mark.parametrize("date", ["junk", "", "Mon, 99 Foo 99999 99:99:99 GMT", "nan"])
async def test_a_junk_date_header_is_ignored(fake_time: FakeTime, date: str) -> None:
    pacer = pacer_on(fake_time)
    signal = pacer.learn(await take(pacer), 200, headers(5, 0, EPOCH + 10, date=date))
    assert signal.reopens_in == 10.0

"""The rate-limit pacer: one gate that every request of a client passes before it is sent.

Voucherify answers every request with `X-Rate-Limit-Limit`, `-Remaining` and `-Retry` (Unix
seconds when the next call is allowed), and a request past the limit with a 429 carrying
`Retry-After` and `X-Rate-Limit-Type` (tests/spec/NOTES.md §10). The pacer learns the window from
those headers and keeps the client inside it:

- Each request takes a numbered permit before it is sent, first come first served. Until a
  response says how the account stands, requests go freely (`rate_limit=` paces them). A
  response saying `Remaining: R` lets `R` more go, less the requests still in flight (each may
  spend one of those `R`), which keeps 50 concurrent tasks from spending the same `R` fifty
  times. In a window the lowest such bound holds (the server may count requests in another
  order), until an exact answer: the newest request's, with nothing else in flight.
- `Remaining: 0` with a reopening time, or a 429, closes the gate until the window reopens
  (`X-Rate-Limit-Retry`, or the later `Retry-After` on a 429). Every task about to send waits at
  the gate; when it reopens, the next window's allowance is `Limit`.
- A call waits at most its `WaitBudget` in total (the client's `max_rate_limit_wait`). When the
  gate reopens later than that, or the limit type is `api_calls_cycle` (the billing cycle's budget
  is spent, waiting cannot help), it gets `RateLimitError` at once, without sleeping first.
- `rate_limit=` adds proactive pacing: at most `n` sends in any `seconds`, from the first request.

Header values come from the network: non-finite, negative or unparsable ones are ignored, and no
closure lasts longer than `MAX_CLOSURE` seconds, whatever the server says. `X-Rate-Limit-Retry`
is a time on the server's clock: when the response's `Date` shows our clock off by more than
`SKEW_TOLERANCE`, it is read against `Date`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, TypeAlias

import anyio
import attrs

from ._errors import RateLimitError, RateLimitInfo
from ._response import parse_retry_after

__all__ = [
    "CYCLE_LIMIT",
    "MAX_CLOSURE",
    "ClientStats",
    "Pacer",
    "RateLimit",
    "Signal",
    "WaitBudget",
    "check_max_rate_limit_wait",
    "parse_rate_limit",
]

RateLimit: TypeAlias = int | tuple[int, float]
"""`rate_limit=`: requests per minute, or `(requests, seconds)`."""

MAX_CLOSURE: Final = 3600.0
"""The longest the gate stays closed on one response's word (sandbox projects: 100 calls/hour)."""

UNTIMED_429_PAUSE: Final = 1.0
"""How long a 429 that says nothing of when to come back closes the gate."""

CYCLE_LIMIT: Final = "api_calls_cycle"
"""The `X-Rate-Limit-Type` of a spent billing-cycle budget: waiting for it cannot help."""

SKEW_TOLERANCE: Final = 2.0
"""Seconds the server's `Date` may differ from our clock before `X-Rate-Limit-Retry` is read
against the server's time instead (`Date` has whole seconds; a small skew is ours to ignore)."""

_LARGEST_EPOCH: Final = 253402300799.0  # 9999-12-31T23:59:59Z, the last second datetime holds
_LARGEST_COUNT: Final = 1_000_000_000


@attrs.frozen(kw_only=True)
class ClientStats:
    """What a client (with its `with_options()` copies) has spent of the account's rate limit.

    Attributes:
        requests_sent: attempts handed to the transport (first tries and retries).
        retries: attempts that repeated a failed one.
        throttled: 429 answers received.
        gate_waits: requests that waited at the rate-limit gate before being sent.
        seconds_waited: seconds spent waiting at the gate, summed over those requests.
    """

    requests_sent: int = 0
    retries: int = 0
    throttled: int = 0
    gate_waits: int = 0
    seconds_waited: float = 0.0


class WaitBudget:
    """How many seconds one call may still wait at the gate, across all of its attempts."""

    __slots__ = ("left", "total")

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.left = seconds


@attrs.frozen(kw_only=True)
class Signal:
    """What one response said about the rate limit, as the pacer read it.

    Attributes:
        retry_at: when the server allows the next call (aware UTC), if it said.
        limit_type: `X-Rate-Limit-Type`, if sent.
        reopens_in: seconds until the gate reopens (0 when it is open).
    """

    retry_at: datetime | None = None
    limit_type: str | None = None
    reopens_in: float = 0.0


@attrs.frozen
class _Closure:
    reopen_at: float  # on the pacer's monotonic clock
    retry_at: datetime | None
    limit_type: str | None
    limit: int | None


class _Waiter:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = anyio.Event()


def check_max_rate_limit_wait(value: object) -> float:
    """Validate `max_rate_limit_wait` (finite seconds >= 0; 0 never waits) as a float.

    Raises:
        TypeError: for a value that is not a number.
        ValueError: for a negative, NaN or infinite number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"max_rate_limit_wait must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"max_rate_limit_wait must be finite seconds >= 0, got {value!r}")
    return float(value)


def parse_rate_limit(value: object) -> tuple[int, float] | None:
    """Read `rate_limit=`: None, requests per minute, or `(requests, seconds)`.

    Returns:
        `(requests, seconds)`, or None for no proactive pacing.

    Raises:
        ValueError: for anything else (a count below 1, a non-positive or non-finite period).
    """
    if value is None:
        return None
    count, seconds = value if isinstance(value, tuple) and len(value) == 2 else (value, 60.0)
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or count < 1
        or isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds <= 0
    ):
        raise ValueError(
            "rate_limit must be requests per minute (an int >= 1) or (requests, seconds), "
            f"got {value!r}"
        )
    return count, float(seconds)


class Pacer:
    """The rate-limit gate of one client and its `with_options()` copies (see the module doc).

    Use: `permit = await pacer.acquire(budget, ...)` before each attempt, then exactly one of
    `pacer.learn(permit, status, headers)` (a response came) or `pacer.release(permit)` (none
    did). Backend-neutral (anyio); a task cancelled while waiting leaves nothing behind.

    Args:
        rate_limit: proactive pacing (`parse_rate_limit`), or None to follow the headers alone.
        clock: monotonic seconds.
        wall_clock: Unix seconds, to read `X-Rate-Limit-Retry`.
        sleep: awaited for every wait of known length (a closed gate, proactive pacing).
    """

    def __init__(
        self,
        *,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._pace = parse_rate_limit(rate_limit)
        self._sent_at: deque[float] = deque(maxlen=self._pace[0] if self._pace else 1)
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self._issued = 0  # permits handed out; the next permit's number
        self._in_flight = 0
        self._limit: int | None = None
        self._allowed_upto: int | None = None  # permits numbered below this may go; None: any
        self._epoch = 0  # the first permit of the current window
        self._closure: _Closure | None = None
        self._queue: deque[_Waiter] = deque()
        self._watchers: anyio.Event | None = None  # set on any change, for `wait_open`
        self._retries = self._throttled = self._gate_waits = 0
        self._seconds_waited = 0.0

    @property
    def stats(self) -> ClientStats:
        """The counters so far."""
        return ClientStats(
            requests_sent=self._issued,
            retries=self._retries,
            throttled=self._throttled,
            gate_waits=self._gate_waits,
            seconds_waited=self._seconds_waited,
        )

    @property
    def is_open(self) -> bool:
        """Whether a request would be sent now, without waiting at the gate."""
        return not self._queue and self._delay(self._clock()) == 0.0

    def count_retry(self) -> None:
        """Count an attempt that repeats a failed one."""
        self._retries += 1

    def refusal(self, budget: WaitBudget) -> Signal | None:
        """The closed gate's `Signal` if a call with `budget` left cannot wait for it, else None.

        A call cannot wait when the gate reopens later than its budget allows, or when the
        closure is a spent billing cycle (`api_calls_cycle`).
        """
        closure = self._closure
        if closure is None:
            return None
        wait = closure.reopen_at - self._clock()
        if wait <= 0:
            return None
        if closure.limit_type != CYCLE_LIMIT and wait <= budget.left:
            return None
        return Signal(retry_at=closure.retry_at, limit_type=closure.limit_type, reopens_in=wait)

    async def acquire(self, budget: WaitBudget, *, method: str, path: str) -> int:
        """Wait at the gate for this caller's turn and take a permit (its number).

        Args:
            budget: what the call may still wait; the time waited here is taken from it.
            method: the request's method, for the error message.
            path: the request's path, for the error message.

        Raises:
            RateLimitError: the gate reopens later than `budget` allows (raised before any
                sleep), the limit is `api_calls_cycle`, or the budget ran out in the queue.
        """
        now = self._clock()
        if not self._queue:
            self._refuse_if_closed(budget.left, method, path)
            if self._delay(now) == 0.0:
                return self._issue(now)
        waiter = _Waiter()
        self._queue.append(waiter)
        started = now
        self._gate_waits += 1
        try:
            while True:
                now = self._clock()
                left = budget.left - (now - started)
                self._refuse_if_closed(left, method, path)
                if self._queue[0] is waiter:
                    delay = self._delay(now)
                    if delay == 0.0:
                        self._queue.popleft()
                        self._wake_head()
                        return self._issue(now)
                    if delay is not None:
                        if delay > left:
                            raise _budget_error(method, path, delay, budget, None)
                        await self._sleep(delay)
                        continue
                waiter.event = anyio.Event()
                with anyio.move_on_after(max(left, 0.0)) as scope:
                    await waiter.event.wait()
                if scope.cancelled_caught:
                    raise _budget_error(method, path, None, budget, self._closure)
        finally:
            waited = max(self._clock() - started, 0.0)
            budget.left = max(budget.left - waited, 0.0)
            self._seconds_waited += waited
            if self._queue and self._queue[0] is waiter:
                self._queue.popleft()
                self._wake_head()
            elif waiter in self._queue:
                self._queue.remove(waiter)

    async def wait_open(self) -> None:
        """Return once the gate is not closed (nor holding back for `rate_limit=`).

        Takes no permit and waits out of the queue: for work that can wait for the window, such
        as a pager's prefetch or a poll. Unbounded: the caller bounds it (cancellation).
        """
        while (delay := self._delay(self._clock())) is not None and delay > 0:
            await self._sleep(delay)

    def release(self, permit: int) -> None:
        """Return a permit whose attempt got no response (a transport error, a cancellation)."""
        del permit  # it stays counted: the server may have seen the request
        self._in_flight -= 1
        self._wake_head()

    def learn(self, permit: int, status: int, headers: Mapping[str, str]) -> Signal:
        """Read a response's rate-limit headers and return what they said.

        Args:
            permit: the permit `acquire` gave the attempt.
            status: the response's HTTP status.
            headers: its headers (case-insensitive, like `httpx.Headers`, or lower-case keys).
        """
        self._in_flight -= 1
        refused = status == 429
        if refused:
            self._throttled += 1
        limit = _count(headers.get("x-rate-limit-limit"))
        if limit is not None and limit >= 1:
            self._limit = limit
        remaining = _count(headers.get("x-rate-limit-remaining"))
        limit_type = headers.get("x-rate-limit-type") if refused else None
        wall = self._wall()
        retry_epoch = _number(headers.get("x-rate-limit-retry"))
        waits: list[float] = []
        if retry_epoch is not None:
            waits.append(retry_epoch - _server_time(headers.get("date"), wall))
        if refused:
            retry_after = parse_retry_after(
                headers.get("retry-after"), now=_as_datetime(wall) or datetime.now(UTC)
            )
            if retry_after is not None and math.isfinite(retry_after):
                waits.append(retry_after)
        wait = max(waits) if waits else (UNTIMED_429_PAUSE if refused else None)
        signal = Signal(
            retry_at=_as_datetime(wall + wait) if wait is not None and wait > 0 else None,
            limit_type=limit_type,
        )
        current = permit >= self._epoch
        if current and remaining is not None:
            allowance = remaining if self._limit is None else min(remaining, self._limit)
            # Every other request in flight may be one the server had not counted yet: it
            # spends one of `remaining`. The server may count in another order than the
            # permits, so in a window the lowest bound holds, except for an exact answer: the
            # newest permit's, with nothing else in flight (a window that rolled over without
            # the gate closing shows there).
            estimate = self._issued + allowance - self._in_flight
            exact = not self._in_flight and permit == self._issued - 1
            if self._allowed_upto is None or estimate < self._allowed_upto or exact:
                self._allowed_upto = estimate
        closes = (refused or remaining == 0) and wait is not None and wait > 0
        if closes and (current or limit_type == CYCLE_LIMIT):
            assert wait is not None
            self._close(min(wait, MAX_CLOSURE), signal)
            closure = self._closure
            assert closure is not None
            signal = attrs.evolve(signal, reopens_in=closure.reopen_at - self._clock())
            self._wake_all()
        else:
            self._wake_head()
        return signal

    def _close(self, seconds: float, signal: Signal) -> None:
        reopen_at = self._clock() + seconds
        if self._closure is not None and self._closure.reopen_at >= reopen_at:
            return
        self._closure = _Closure(reopen_at, signal.retry_at, signal.limit_type, self._limit)

    def _delay(self, now: float) -> float | None:
        """0.0 if a permit may go now; seconds until one may; None: wait for a response."""
        closure = self._closure
        if closure is not None:
            if now < closure.reopen_at:
                return closure.reopen_at - now
            self._closure = None
            self._epoch = self._issued
            self._allowed_upto = self._issued + self._limit if self._limit else None
        if self._pace is not None and len(self._sent_at) == self._pace[0]:
            opens = self._sent_at[0] + self._pace[1]
            if now < opens:
                return opens - now
        if self._allowed_upto is not None and self._issued >= self._allowed_upto:
            # Spent: the in-flight responses will say more. With none in flight, one probe goes.
            return None if self._in_flight else 0.0
        return 0.0

    def _issue(self, now: float) -> int:
        permit = self._issued
        self._issued += 1
        self._in_flight += 1
        if self._pace is not None:
            self._sent_at.append(now)
        return permit

    def _refuse_if_closed(self, left: float, method: str, path: str) -> None:
        closure = self._closure
        if closure is None:
            return
        wait = closure.reopen_at - self._clock()
        if wait > 0 and (closure.limit_type == CYCLE_LIMIT or wait > left):
            raise _closed_error(method, path, wait, left, closure)

    def _wake_head(self) -> None:
        if self._queue:
            self._queue[0].event.set()
        self._notify_watchers()

    def _wake_all(self) -> None:
        for waiter in self._queue:
            waiter.event.set()
        self._notify_watchers()

    def _notify_watchers(self) -> None:
        if self._watchers is not None:
            self._watchers.set()
            self._watchers = None


def _closed_error(
    method: str, path: str, wait: float, left: float, closure: _Closure
) -> RateLimitError:
    kind = f" ({closure.limit_type})" if closure.limit_type else ""
    if closure.limit_type == CYCLE_LIMIT:
        why = "the billing cycle's request budget is spent"
    else:
        why = f"it reopens in {wait:.1f} s, past the {left:.1f} s max_rate_limit_wait left"
    return _gate_error(
        method, path, f"not sent: the rate limit{kind} is reached and {why}", closure
    )


def _budget_error(
    method: str, path: str, wait: float | None, budget: WaitBudget, closure: _Closure | None
) -> RateLimitError:
    if wait is None:
        why = f"waited max_rate_limit_wait ({budget.total:g} s) at the rate-limit gate"
    else:
        why = f"rate_limit pacing would wait {wait:.1f} s, past the max_rate_limit_wait left"
    return _gate_error(method, path, f"not sent: {why}", closure)


def _gate_error(method: str, path: str, message: str, closure: _Closure | None) -> RateLimitError:
    error = RateLimitError(
        status_code=429,
        method=method,
        path=path,
        body=None,
        text_excerpt=message,
        request_id=None,
        response=None,
    )
    if closure is not None:
        error.retry_at = closure.retry_at
        error.rate_limit = RateLimitInfo(
            limit=closure.limit,
            remaining=0,
            retry_at=int(closure.retry_at.timestamp()) if closure.retry_at else None,
            limit_type=closure.limit_type,
        )
    return error


def _number(value: str | None) -> float | None:
    """A header as finite seconds >= 0, or None."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _server_time(date: str | None, wall: float) -> float:
    """The server's time now: `wall`, unless its `Date` header shows a clock skew past tolerance."""
    if date is None:
        return wall
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return wall
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    server = when.timestamp() + 0.5  # `Date` is truncated to the second
    return server if abs(server - wall) > SKEW_TOLERANCE else wall


def _count(value: str | None) -> int | None:
    number = _number(value)
    return None if number is None else int(min(number, _LARGEST_COUNT))


def _as_datetime(epoch: float) -> datetime | None:
    if not math.isfinite(epoch) or epoch < 0:
        return None
    return datetime.fromtimestamp(min(epoch, _LARGEST_EPOCH), UTC)

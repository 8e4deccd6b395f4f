"""What `timeout=` means: a float is the budget of each attempt, connect to last byte.

httpx's own timeouts bound each phase (connect, each read, each write, the pool wait): a server
that drips one byte a second never trips a 1-second read timeout. A float `timeout` is therefore
also enforced as one deadline over the whole exchange (a deadline around sending the request and
reading the body), on every transport and with a caller's `http_client`. When it is
spent the attempt fails with `AttemptTimeout`, a `ReadTimeout`: the server may have executed the
request, so only a request that is safe to replay is retried. An `httpx.Timeout` keeps httpx's
per-phase meaning only; None waits forever.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import httpx
import sniffio

__all__ = ["AttemptTimeout", "as_httpx_timeout", "attempt_budget", "within_budget"]

T = TypeVar("T")


class AttemptTimeout(httpx.ReadTimeout):
    """An attempt took longer than the float `timeout` in all (connect to last byte)."""


def _check_seconds(timeout: object) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            f"timeout must be seconds (a float), an httpx.Timeout or None, "
            f"got {type(timeout).__name__}"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")


def as_httpx_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """The per-phase httpx timeout for `timeout=` (a float bounds each phase too).

    Raises:
        ValueError: a float that is not finite and > 0.
        TypeError: anything but a number, an `httpx.Timeout` or None.
    """
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is not None:
        _check_seconds(timeout)
    return httpx.Timeout(timeout)


def attempt_budget(timeout: float | httpx.Timeout | None) -> float | None:
    """The seconds one attempt may take in all: the float `timeout`, else None (no budget)."""
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return None
    return float(timeout)


async def within_budget(
    budget: float | None, request: httpx.Request, send: Callable[[], Awaitable[T]]
) -> T:
    """Await `send()`, failing with `AttemptTimeout` once `budget` seconds have passed.

    Only this deadline is translated: a caller's cancellation, or a timeout raised inside, passes
    through as it is. On asyncio the deadline is `asyncio.timeout` (an anyio cancel scope costs
    about three times as much CPU, on every request); elsewhere an anyio cancel scope.
    """
    if budget is None:
        return await send()
    if sniffio.current_async_library() == "asyncio":
        deadline = asyncio.timeout(budget)
        try:
            async with deadline:
                return await send()
        except TimeoutError as exc:
            if deadline.expired():
                raise _spent(budget, request) from exc
            raise
    with anyio.move_on_after(budget):
        return await send()
    raise _spent(budget, request)


def _spent(budget: float, request: httpx.Request) -> AttemptTimeout:
    return AttemptTimeout(f"no complete answer within the {budget:g} s timeout", request=request)

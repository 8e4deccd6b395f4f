"""What `timeout=` means: a float is the budget of each attempt, connect to last byte.

httpx's own timeouts bound each phase (connect, each read, each write, the pool wait): a server
that drips one byte a second never trips a 1-second read timeout. A float `timeout` is therefore
also enforced as one deadline over the whole exchange (a deadline around sending the request and
reading the body), on every transport and with a caller's `http_client`. When it is
spent the attempt fails with `AttemptTimeout`, a `ReadTimeout`: the server may have executed the
request, so only a request that is safe to replay is retried. An `httpx.Timeout` keeps httpx's
per-phase meaning only; None or `math.inf` waits forever.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import httpx

__all__ = ["AttemptTimeout", "attempt_budget", "within_budget"]

T = TypeVar("T")


class AttemptTimeout(httpx.ReadTimeout):
    """An attempt took longer than the float `timeout` in all (connect to last byte)."""


def attempt_budget(timeout: float | httpx.Timeout | None) -> float | None:
    """The seconds one attempt may take in all: a finite float `timeout`, else None (no budget).

    `timeout` was checked already (a number > 0, `math.inf`, None or an `httpx.Timeout`).
    """
    if timeout is None or isinstance(timeout, httpx.Timeout) or math.isinf(timeout):
        return None
    return float(timeout)


async def within_budget(
    budget: float | None,
    request: httpx.Request,
    send: Callable[[], Awaitable[T]],
    *,
    asyncio_only: bool = False,
) -> T:
    """Await `send()`, failing with `AttemptTimeout` once `budget` seconds have passed.

    Only this deadline is translated: a caller's cancellation, or a timeout raised inside, passes
    through as it is. It is an anyio cancel scope, except where `send` runs asyncio code only
    (`asyncio_only`: the aiohttp transport), where `asyncio.timeout` costs less CPU. An
    anyio scope nested inside an `asyncio.timeout` (httpcore opens them) can swallow its cancel
    request when both expire together, so a transport of httpx's, or a caller's, gets anyio's.
    """
    if budget is None:
        return await send()
    if asyncio_only:
        # Imported here, not at module level: `import asyncio` would add ~10 ms to importing
        # the SDK, and an asyncio-only transport runs on asyncio, so it is loaded already.
        import asyncio

        deadline = asyncio.timeout(budget)
        try:
            async with deadline:
                return await send()
        except TimeoutError:
            if not deadline.expired():
                raise
        raise _spent(budget, request)
    with anyio.move_on_after(budget):
        return await send()
    raise _spent(budget, request)


def _spent(budget: float, request: httpx.Request) -> AttemptTimeout:
    return AttemptTimeout(f"no complete answer within the {budget:g} s timeout", request=request)

"""What `timeout=` means: a float is the budget of each attempt, connect to last byte.

httpx's own timeouts bound each phase (connect, each read, each write, the pool wait): a server
that drips one byte a second never trips a 1-second read timeout. A float `timeout` is therefore
also enforced as one deadline over the whole exchange (an anyio cancel scope around sending the
request and reading the body), on every transport and with a caller's `http_client`. When it is
spent the attempt fails with `AttemptTimeout`, a `ReadTimeout`: the server may have executed the
request, so only a request that is safe to replay is retried. An `httpx.Timeout` keeps httpx's
per-phase meaning only; None waits forever.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx

__all__ = ["AttemptTimeout", "as_httpx_timeout", "attempt_budget", "attempt_deadline"]


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


@contextmanager
def attempt_deadline(budget: float | None, request: httpx.Request) -> Iterator[None]:
    """Fail the exchange inside with `AttemptTimeout` once `budget` seconds have passed.

    Only this scope's own deadline is translated: a caller's cancellation passes through.
    """
    if budget is None:
        yield
        return
    with anyio.move_on_after(budget) as scope:
        yield
    if scope.cancelled_caught:
        raise AttemptTimeout(f"no complete answer within the {budget:g} s timeout", request=request)

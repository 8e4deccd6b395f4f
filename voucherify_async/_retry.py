"""The retry policy: which failures are retried, for which requests, and how long to wait.

Pure decisions, no I/O: `AsyncClient._send` asks `RetryPolicy.decide(...)` after each failed
attempt and sleeps for the delay it returns (`RetryPolicy.sleep`, `anyio.sleep` unless a test
injects another). The random source and the sleep are fields so tests never wait for real.

Safety rule: a request the server may have executed is replayed only when repeating it is
harmless. GET, PUT, DELETE always are; a POST is when its endpoint declares it idempotent (as
`customers.create` does for an upsert, whose body names `id` or `source_id`); every other POST
(bulk, metadata bulk, importCSV, permanent deletion) is retried only after a failure that proves
it was not executed: a connect error (nothing was sent) or a 429 (the server refused it). This
module knows methods and failures only; which endpoint is idempotent is the endpoint's to say.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from typing import Final

import anyio
import attrs
import httpx

__all__ = [
    "RETRY_STATUSES",
    "Failure",
    "RetryPolicy",
    "backoff_delay",
    "classify_transport_error",
    "replay_safe",
]

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
"""HTTP statuses worth another try: timeouts, rate limits and server or gateway failures."""

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class Failure(enum.Enum):
    """How far a failed attempt got, which decides whether a non-idempotent request may repeat."""

    NOT_SENT = "not sent"
    """The request never reached the server (connect error, connect timeout)."""
    MAYBE_EXECUTED = "maybe executed"
    """The request was sent and the exchange broke (reset, protocol error, read timeout)."""
    REFUSED = "refused"
    """The server answered 429: it did not execute the request."""
    ANSWERED = "answered"
    """The server answered another retryable status; it may have done part of the work."""


def replay_safe(method: str, *, idempotent: bool = False) -> bool:
    """Tell whether repeating a request the server may have executed is harmless.

    Args:
        method: the HTTP method.
        idempotent: the endpoint's word that this request may be repeated (e.g. the upsert
            form of `POST /v1/customers`).

    Returns:
        True for GET, HEAD, OPTIONS, PUT and DELETE, and for any request declared idempotent;
        False for every other POST.
    """
    return idempotent or method.upper() in SAFE_METHODS


def classify_transport_error(exc: httpx.RequestError) -> Failure | None:
    """Place a transport error on the `Failure` scale, or return None when it is not retried.

    Connect errors and connect timeouts happen before the request is sent. Resets, remote
    protocol errors, read/write errors, read/write timeouts and a body that cannot be decoded
    (a corrupt gzip stream: the answer was garbled on its way) may follow its execution. A pool
    timeout (every connection busy) and errors that are bugs (unsupported protocol, proxy
    misconfiguration) are not retried.
    """
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return Failure.NOT_SENT
    if isinstance(
        exc,
        httpx.ReadError
        | httpx.WriteError
        | httpx.RemoteProtocolError
        | httpx.ReadTimeout
        | httpx.WriteTimeout
        | httpx.DecodingError,
    ):
        return Failure.MAYBE_EXECUTED
    return None


def failure_of_status(status_code: int) -> Failure | None:
    """The `Failure` of an HTTP status, or None when the status is not retried."""
    if status_code == 429:
        return Failure.REFUSED
    return Failure.ANSWERED if status_code in RETRY_STATUSES else None


def backoff_delay(
    retry_number: int,
    *,
    initial: float,
    maximum: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with full jitter: uniform in `[0, min(maximum, initial * 2**n)]`.

    Args:
        retry_number: 0 for the first retry, 1 for the second, ...
        initial: the ceiling of the first delay, in seconds.
        maximum: the ceiling no delay exceeds, in seconds.
        rand: a source of floats in `[0, 1)`.

    Returns:
        The delay in seconds.
    """
    ceiling = min(maximum, initial * 2.0 ** min(retry_number, 62))
    return ceiling * rand()


@attrs.frozen(kw_only=True)
class Decision:
    """What to do after a failed attempt.

    Attributes:
        retry: whether to try again.
        delay: seconds to wait first (0 when not retrying).
        reason: a short phrase for the log, e.g. `"503"` or `"ReadError"`.
    """

    retry: bool
    delay: float = 0.0
    reason: str = ""


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When to retry a failed request and how long to wait before it.

    Attributes:
        max_retries: retries after the first try; 0 disables them.
        initial_backoff: the ceiling of the first backoff delay, in seconds.
        max_backoff: the ceiling of any backoff delay, in seconds.
        max_retry_after: the longest `Retry-After` waited for; a longer one is not waited for
            and the error is raised at once.
        rand: a source of floats in `[0, 1)` for the jitter.
        sleep: awaited with each delay; `anyio.sleep`, so a cancelled caller stops waiting.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    rand: Callable[[], float] = random.random
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    def decide(
        self,
        *,
        retries_done: int,
        failure: Failure | None,
        replay_safe: bool,
        reason: str,
        retry_after: float | None = None,
    ) -> Decision:
        """Decide whether to retry after a failed attempt, and after what delay.

        Args:
            retries_done: how many retries have already been made for this request.
            failure: how far the attempt got (None: a failure that is never retried).
            replay_safe: whether repeating the request is harmless (see `replay_safe`).
            reason: a short description of the failure for the log.
            retry_after: the response's `Retry-After` in seconds, if any.

        Returns:
            A `Decision`; its delay is the `Retry-After` when one was sent, else the backoff.
        """
        if failure is None or retries_done >= self.max_retries:
            return Decision(retry=False, reason=reason)
        if not replay_safe and failure not in (Failure.NOT_SENT, Failure.REFUSED):
            return Decision(retry=False, reason=reason)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return Decision(retry=False, reason=reason)
            return Decision(retry=True, delay=retry_after, reason=reason)
        delay = backoff_delay(
            retries_done, initial=self.initial_backoff, maximum=self.max_backoff, rand=self.rand
        )
        return Decision(retry=True, delay=delay, reason=reason)

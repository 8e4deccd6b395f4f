"""Hooks: `on_request`, `on_response` and `on_retry` callbacks, called once per attempt.

They run in the task of the call, on whatever transport the client uses (its own aiohttp or httpx
pool, a `transport=`, an `http_client=`), unlike httpx's `event_hooks`. Each receives a small
frozen event built from the exchange, with the credential headers already masked.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ._response import request_id
from ._secrets import masked_headers
from ._types import NotGiven

__all__ = ["Hook", "Hooks", "RequestEvent", "ResponseEvent", "RetryEvent", "hooks_of"]

E = TypeVar("E")
Hook = Callable[[E], Awaitable[Any] | Any]
"""A hook: a function or an `async def` function of one event; its return value is ignored."""


@attrs.frozen(kw_only=True)
class RequestEvent:
    """An attempt is about to be sent (`on_request`).

    Attributes:
        method: the HTTP method.
        path: the URL path, e.g. `/v1/customers/cust_1`.
        url: the full URL, query included.
        attempt: 1 for the first try, 2 for the first retry, ...
        headers: the request's headers (case-insensitive lookups); the credentials
            (`X-App-Token`, `X-App-Id`, `X-Client-Token`, `X-Client-Application-Id`,
            `Authorization`) read `[redacted]`.
    """

    method: str
    path: str
    url: str
    attempt: int
    headers: Mapping[str, str]


@attrs.frozen(kw_only=True)
class ResponseEvent:
    """An attempt ended (`on_response`): with a response of any status, or a connection error.

    Attributes:
        method: the HTTP method.
        path: the URL path.
        attempt: 1 for the first try, 2 for the first retry, ...
        status_code: the response's status (4xx and 5xx included); None when none came.
        error: the name of the connection error (e.g. `ConnectTimeout`) when no response came.
        elapsed: seconds from the start of the attempt (waiting for `max_concurrency` included)
            to the end of the response body, or to the error.
        request_id: the API's request id (`X-Request-Id`), None if absent or no response.
        headers: the response's headers (case-insensitive lookups; empty when no response came).
    """

    method: str
    path: str
    attempt: int
    status_code: int | None
    error: str | None
    elapsed: float
    request_id: str | None
    headers: Mapping[str, str]


@attrs.frozen(kw_only=True)
class RetryEvent:
    """A failed attempt will be retried after `delay` seconds (`on_retry`).

    Attributes:
        method: the HTTP method.
        path: the URL path.
        attempt: the number of the attempt about to be sent (2 for the first retry).
        reason: the failure: a status (`"503"`) or a connection error's name (`"ConnectError"`).
        delay: seconds the SDK waits before sending it.
    """

    method: str
    path: str
    attempt: int
    reason: str
    delay: float


@attrs.frozen
class Hooks:
    """The hooks of a client (which holds None instead when it has none); each may be None."""

    on_request: Hook[RequestEvent] | None = None
    on_response: Hook[ResponseEvent] | None = None
    on_retry: Hook[RetryEvent] | None = None

    async def request(self, request: httpx.Request, path: str, attempt: int) -> None:
        """Call `on_request`, if set, for an attempt about to be sent."""
        if self.on_request is None:
            return
        event = RequestEvent(
            method=request.method,
            path=path,
            url=str(request.url),
            attempt=attempt,
            headers=masked_headers(request.headers),
        )
        await _call(self.on_request, event, "on_request")

    async def response(
        self,
        request: httpx.Request,
        path: str,
        attempt: int,
        outcome: httpx.Response | Exception,
        elapsed: float,
    ) -> None:
        """Call `on_response`, if set, for an attempt that got a response or failed."""
        if self.on_response is None:
            return
        if isinstance(outcome, httpx.Response):
            status, error, rid = outcome.status_code, None, request_id(outcome)
            headers: Mapping[str, str] = outcome.headers
        else:
            status, error, rid, headers = None, type(outcome).__name__, None, {}
        event = ResponseEvent(
            method=request.method,
            path=path,
            attempt=attempt,
            status_code=status,
            error=error,
            elapsed=elapsed,
            request_id=rid,
            headers=headers,
        )
        await _call(self.on_response, event, "on_response")

    async def retry(self, method: str, path: str, attempt: int, reason: str, delay: float) -> None:
        """Call `on_retry`, if set, before waiting for the next attempt."""
        if self.on_retry is None:
            return
        event = RetryEvent(method=method, path=path, attempt=attempt, reason=reason, delay=delay)
        await _call(self.on_retry, event, "on_retry")


def hooks_of(
    on_request: Hook[RequestEvent] | NotGiven | None,
    on_response: Hook[ResponseEvent] | NotGiven | None,
    on_retry: Hook[RetryEvent] | NotGiven | None,
    *,
    base: Hooks | None = None,
) -> Hooks | None:
    """The `Hooks` of a client, None when it has none (the request path then skips them).

    With `base`, an argument that is `NOT_GIVEN` keeps the hook of `base` (for `with_options`).

    Raises:
        TypeError: for a hook that is neither callable nor None.
    """
    kept = base or Hooks()
    hooks = Hooks(
        _checked(kept.on_request, on_request, "on_request"),
        _checked(kept.on_response, on_response, "on_response"),
        _checked(kept.on_retry, on_retry, "on_retry"),
    )
    return None if hooks == Hooks() else hooks


def _checked(kept: Hook[E] | None, given: Hook[E] | NotGiven | None, name: str) -> Hook[E] | None:
    if isinstance(given, NotGiven):
        return kept
    if given is not None and not callable(given):
        raise TypeError(f"{name} must be a callable or None, got {type(given).__name__}")
    return given


async def _call(hook: Hook[E], event: E, name: str) -> None:
    """Call a sync or async hook; what it raises propagates to the caller of the SDK method.

    An httpx error (`httpx.HTTPError`, from the hook's own HTTP call, say) is wrapped in a
    `RuntimeError` so the request path never takes it for a failure of its own request and
    retries that.
    """
    try:
        result = hook(event)
        if inspect.isawaitable(result):
            await result
    except httpx.HTTPError as exc:
        raise RuntimeError(f"the {name} hook raised {type(exc).__name__}: {exc}") from exc

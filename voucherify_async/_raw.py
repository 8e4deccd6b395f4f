"""Raw responses: `client.customers.with_raw_response.get(...)` and its siblings.

A raw variant runs the very same endpoint method; while it runs, a context variable asks the
client's request path to hand over the successful response (`capture`), so no endpoint's signature
is written twice and the normal path pays one `ContextVar.get` per request. Context variables are
per task on asyncio and on trio, so concurrent raw and plain calls never see each other's responses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Generic, ParamSpec, TypeVar

import attrs
import httpx

from ._response import request_id
from ._secrets import masked_request

__all__ = ["RawResponse", "capture", "raw_variant"]

P = ParamSpec("P")
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """The result of a `with_raw_response` call: the parsed result and the response's facts.

    Attributes:
        parsed: what the plain method returns (a model, or None for a 204 endpoint).
        status_code: the HTTP status of the successful response.
        headers: the response's headers (case-insensitive lookups, as received).
        request_id: the API's request id (`X-Request-Id`), quote it to support; None if absent.
        attempts: how many requests were sent, retries included (1 when the first succeeded).
        http_response: the `httpx.Response`, for anything not covered above. Its `.request`
            is a copy whose credential headers (`X-App-Token`, `X-App-Id`, `X-Client-Token`,
            `X-Client-Application-Id`, `Authorization`) read `[redacted]`.
    """

    parsed: T
    status_code: int
    headers: Mapping[str, str]
    request_id: str | None
    attempts: int
    http_response: httpx.Response = attrs.field(repr=False)


@attrs.define
class _Capture:
    """Where the request path leaves the successful response of the current raw call."""

    response: httpx.Response | None = None
    attempts: int = 0


_CAPTURE: ContextVar[_Capture | None] = ContextVar("voucherify_async_raw_capture", default=None)


def capture(response: httpx.Response, attempts: int) -> None:
    """Hand a successful response to the raw call running in this task, if there is one."""
    holder = _CAPTURE.get()
    if holder is not None:
        holder.response = response
        holder.attempts = attempts


def raw_variant(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """The raw variant of an endpoint method that sends exactly one request (with its retries).

    The variant takes the same arguments and returns a `RawResponse` of the method's result.
    """

    @functools.wraps(method)
    async def raw(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        holder = _Capture()
        token = _CAPTURE.set(holder)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        response = holder.response
        if response is None:  # pragma: no cover - every raw variant sends a request
            raise RuntimeError(f"{method.__qualname__} sent no request")
        response.request = masked_request(response.request)
        return RawResponse(
            parsed=parsed,
            status_code=response.status_code,
            headers=response.headers,
            request_id=request_id(response),
            attempts=holder.attempts,
            http_response=response,
        )

    return raw

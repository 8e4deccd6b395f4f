"""Reading responses: success bodies into models, error responses into the error tree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from ._convert import ResponseShapeError, decode, loads
from ._errors import (
    APIResponseValidationError,
    APIStatusError,
    RateLimitError,
    RateLimitInfo,
    excerpt,
    status_error_class,
)

__all__ = [
    "decode_body",
    "error_from_response",
    "parse_retry_after",
    "rate_limit_info",
    "request_id",
]

T = TypeVar("T")

REQUEST_ID_HEADERS = ("x-request-id", "x-voucherify-request-id")


def request_id(response: httpx.Response) -> str | None:
    """The request id the API sent with `response` (`X-Request-Id` or its Voucherify form)."""
    return next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)


def decode_body(response: httpx.Response, cast_to: type[T], *, method: str, path: str) -> T:
    """Decode a 2xx JSON body into `cast_to`, or raise `APIResponseValidationError`."""
    try:
        return decode(response.content, cast_to)
    except ResponseShapeError as exc:
        raise _invalid(response, method, path, f"the body does not fit {exc}") from exc
    except ValueError as exc:
        raise _invalid(
            response, method, path, f"the body is not JSON (expected {cast_to.__name__})"
        ) from exc


def _invalid(
    response: httpx.Response, method: str, path: str, problem: str
) -> APIResponseValidationError:
    body = excerpt(response.text)
    return APIResponseValidationError(
        f"{response.status_code} on {method} {path}: {problem}; body starts {body!r}",
        method=method,
        path=path,
        status_code=response.status_code,
        body_excerpt=body,
    )


def error_from_response(response: httpx.Response, *, method: str, path: str) -> APIStatusError:
    """Build the `APIStatusError` subclass for a 4xx/5xx response, whatever its body."""
    body: Mapping[str, Any] | None = None
    text = ""
    try:
        parsed = loads(response.content) if response.content else None
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping):
        body = parsed
    else:
        text = excerpt(response.text) if response.content else response.reason_phrase
    cls = status_error_class(response.status_code)
    error = cls(
        status_code=response.status_code,
        method=method,
        path=path,
        body=body,
        text_excerpt=text,
        request_id=request_id(response),
        response=response,
    )
    if isinstance(error, RateLimitError):
        error.rate_limit = rate_limit_info(response.headers)
    return error


def rate_limit_info(headers: httpx.Headers) -> RateLimitInfo:
    """Read the `X-Rate-Limit-*` and `Retry-After` headers of a response."""
    return RateLimitInfo(
        limit=_int_header(headers, "x-rate-limit-limit"),
        remaining=_int_header(headers, "x-rate-limit-remaining"),
        retry_at=_int_header(headers, "x-rate-limit-retry"),
        limit_type=headers.get("x-rate-limit-type"),
        retry_after=parse_retry_after(headers.get("retry-after")),
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: a number of seconds, or an HTTP date counted from now."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None

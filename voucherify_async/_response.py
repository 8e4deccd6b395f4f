"""Reading responses: success bodies into models, error responses into the error tree."""

from __future__ import annotations

import math
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
from ._secrets import mask_exception

__all__ = [
    "check_success",
    "decode_body",
    "error_from_response",
    "parse_retry_after",
    "rate_limit_headers",
    "rate_limit_info",
    "request_id",
]

T = TypeVar("T")

REQUEST_ID_HEADERS = ("x-request-id", "x-voucherify-request-id")
RATE_LIMIT_PREFIX = "x-rate-limit-"
"""What the names of the API's rate-limit headers start with (lower case)."""
_PACING = ("retry-after", "date")  # the other headers the rate-limit pacer reads


def request_id(response: httpx.Response) -> str | None:
    """The request id the API sent with `response` (`X-Request-Id` or its Voucherify form)."""
    return next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)


def check_success(response: httpx.Response, expected: int, *, method: str, path: str) -> None:
    """Refuse a 2xx status other than the one the endpoint declares (`APIResponseValidationError`).

    The spec gives each operation one success status (200, 202 or 204); another one means the
    answer is not the documented one (say a 200 with a body where a 204 was declared).
    """
    if response.status_code != expected:
        raise _invalid(response, method, path, f"expected status {expected}")


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
    except RecursionError as exc:  # a parser or structuring step that recurses per level
        raise _invalid(response, method, path, "the body is nested too deeply") from exc


def _invalid(
    response: httpx.Response, method: str, path: str, problem: str
) -> APIResponseValidationError:
    body = excerpt(_text(response))
    return APIResponseValidationError(
        f"{response.status_code} on {method} {path}: {problem}; body starts {body!r}",
        method=method,
        path=path,
        status_code=response.status_code,
        body_excerpt=body,
    )


def _text(response: httpx.Response) -> str:
    """The body as text for an excerpt; a charset that lies about the bytes falls back to UTF-8."""
    try:
        return response.text
    except (UnicodeError, LookupError):
        return response.content.decode("utf-8", errors="replace")


def error_from_response(response: httpx.Response, *, method: str, path: str) -> APIStatusError:
    """Build the `APIStatusError` subclass for a non-2xx response, whatever its body.

    A redirect (3xx) is never followed: its message names where it pointed (scheme and host
    only). The request reachable from the error has its credentials redacted.
    """
    body: Mapping[str, Any] | None = None
    text = ""
    try:
        parsed = loads(response.content) if response.content else None
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
        parsed = None
    if response.is_redirect or 300 <= response.status_code < 400:
        text = _redirect_note(response)
    elif isinstance(parsed, Mapping):
        body = parsed
    else:
        text = excerpt(_text(response)) if response.content else response.reason_phrase
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
    mask_exception(error)
    return error


def _redirect_note(response: httpx.Response) -> str:
    location = response.headers.get("location")
    target = "no Location"
    if location:
        try:
            url = httpx.URL(location)
        except (httpx.InvalidURL, ValueError, TypeError):
            target = "a malformed Location"
        else:
            target = f"{url.scheme}://{url.host}" if url.host else "a path on the same host"
    return (
        f"redirect to {target} not followed: the SDK sends its keys only to its base_url "
        f"(check base_url, or a proxy in front of the API)"
    )


def rate_limit_headers(headers: httpx.Headers) -> dict[str, str]:
    """The headers that speak of the rate limit, by lower-case name, read in one pass.

    `X-Rate-Limit-*`, `Retry-After` and `Date`; a repeated one is joined with ", " as
    `httpx.Headers.get` joins it.
    """
    found: dict[str, str] = {}
    for name, value in headers.multi_items():  # lower-case names
        if name.startswith(RATE_LIMIT_PREFIX) or name in _PACING:
            found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def rate_limit_info(headers: Mapping[str, str]) -> RateLimitInfo:
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
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not math.isfinite(seconds):  # nan, inf, 1e400: not a delay anyone can wait
        return None
    return max(seconds, 0.0)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    """An integer header, or None when it is absent or not a finite number (never raises)."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) else None

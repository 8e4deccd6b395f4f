"""Keeping credentials where they belong: checked before use, sent to one host, masked in errors.

- `check_credential` refuses a value that cannot travel in an HTTP header (control characters,
  spaces, non-ASCII), naming the setting and never echoing the value.
- `check_destination` refuses to send a request carrying keys to any origin but `base_url`'s.
- `mask_exception` replaces the credential headers of every request reachable from an exception
  (its `response.request`, the `.request` of each chained httpx error, aiohttp's `request_info`)
  with `[redacted]` copies, so an error is safe to log, pickle or hand to an error tracker.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any, Final

import httpx

from ._errors import VoucherifyConfigError

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "check_credential",
    "check_destination",
    "mask_exception",
    "masked_request",
]

SECRET_HEADERS: Final = frozenset(
    {
        "x-app-token",
        "x-client-token",
        "x-app-id",
        "x-client-application-id",
        "authorization",
        "proxy-authorization",
        "cookie",
    }
)
"""Headers never shown as they are: the tokens, the application ids that pair with them, and the
credentials a caller may add with `extra_headers` (`Authorization`, `Proxy-Authorization`,
`Cookie`)."""

REDACTED: Final = "[redacted]"

_VISIBLE_ASCII: Final = frozenset(chr(code) for code in range(0x21, 0x7F))


def check_credential(value: object, setting: str) -> None:
    """Refuse a credential (or `origin`) that cannot be sent as an HTTP header value.

    Args:
        value: the resolved setting (None: not set, checked when a call needs it).
        setting: how the caller gave it, e.g. `secret_key` or `$VOUCHERIFY_SECRET_KEY`.

    Raises:
        VoucherifyConfigError: a value holding anything but visible ASCII characters; the message
            names the setting and the kind and position of the first bad character, never the
            value.
    """
    if value is None:
        return
    if not isinstance(value, str):
        raise VoucherifyConfigError(f"{setting} must be a str, got {type(value).__name__}")
    for index, char in enumerate(value):
        if char not in _VISIBLE_ASCII:
            raise VoucherifyConfigError(
                f"{setting} cannot be sent in an HTTP header: it holds {_kind(char)} at "
                f"position {index} (of {len(value)} characters); credentials are visible "
                f"ASCII only (look for a stray line break or space)"
            )


def _kind(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char == "\x00":
        return "a NUL character"
    if char in " \t":
        return "whitespace"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return "a control character"
    return "a non-ASCII character"


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """The scheme, host and effective port of `url`."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, port


def check_destination(request: httpx.Request, base_url: httpx.URL) -> None:
    """Refuse to send `request` (which carries keys) anywhere but `base_url`'s origin.

    A caller's `http_client` builds the request; nothing it adds may move it to another host.

    Raises:
        VoucherifyConfigError: the request's scheme, host or port differs from `base_url`'s.
    """
    if origin_of(request.url) != origin_of(base_url):
        scheme, host, port = origin_of(request.url)
        raise VoucherifyConfigError(
            f"refusing to send credentials to {scheme}://{host}:{port}: the client's base_url "
            f"is {base_url.scheme}://{base_url.host} (check the http_client's base_url and hooks)"
        )


def masked_headers(headers: httpx.Headers) -> httpx.Headers:
    """A copy of `headers` with every credential's value replaced by `[redacted]`."""
    return httpx.Headers(
        [
            (name, REDACTED if name.lower() in SECRET_HEADERS else value)
            for name, value in headers.multi_items()
        ]
    )


def masked_request(request: httpx.Request) -> httpx.Request:
    """A copy of `request` without its stream and extensions, its credentials redacted."""
    if getattr(request, "_masked", False):
        return request
    masked = copy.copy(request)  # httpx's __getstate__ leaves out the stream and extensions
    masked.headers = masked_headers(request.headers)
    masked._masked = True  # type: ignore[attr-defined]
    return masked


def mask_exception(exc: BaseException) -> None:
    """Redact the credentials of every request reachable from `exc` and its chain, in place."""
    for error in _chain(exc):
        _mask_one(error)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        error = stack.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        stack += [error.__cause__, error.__context__]


def _mask_one(error: BaseException) -> None:
    if isinstance(error, httpx.RequestError | httpx.HTTPStatusError):
        with contextlib.suppress(RuntimeError):  # `.request` was never set
            error.request = masked_request(error.request)
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response):
        _mask_response(response)
    info: Any = getattr(error, "request_info", None)  # aiohttp's ClientResponseError
    if info is not None and hasattr(info, "headers") and hasattr(info, "_replace"):
        error.request_info = info._replace(  # type: ignore[attr-defined]
            headers={
                name: REDACTED if name.lower() in SECRET_HEADERS else value
                for name, value in info.headers.items()
            }
        )


def _mask_response(response: httpx.Response) -> None:
    with contextlib.suppress(RuntimeError):  # a response built without a request
        response.request = masked_request(response.request)
    if response.next_request is not None:  # httpx builds it for a 3xx it does not follow
        response.next_request = masked_request(response.next_request)
    for earlier in response.history:
        _mask_response(earlier)

"""The exceptions the SDK raises on purpose.

```
VoucherifyError                       everything the SDK raises on purpose
├── VoucherifyConfigError             missing credentials or settings
├── APIConnectionError                the request could not be completed (after retries)
│   └── APITimeoutError
├── APIResponseValidationError        a 2xx the SDK cannot read as the documented answer
├── BulkUpdateError                   a chunk of bulk_update() failed (see Bulk updates)
└── APIStatusError                    the API answered outside 2xx (3xx, 4xx, 5xx)
    ├── BadRequestError 400
    ├── AuthenticationError 401
    ├── PermissionDeniedError 403
    ├── NotFoundError 404
    ├── ConflictError 409
    ├── RateLimitError 429
    └── InternalServerError 5xx       (other codes: APIStatusError itself)
```

Invalid arguments raise the built-in `ValueError` (or `TypeError`) before anything is sent.
No exception text ever contains a credential: messages are built from the method, the path and
the API's error body only. Every request reachable from an error (`response.request`, the chained
httpx exception's `.request`) has its credential headers replaced by `[redacted]`, and every
error pickles (the chained `__cause__` is left out, as pickle does for any exception), so an
error is safe to log whole, send to an error tracker or put in a task queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # annotations only: the models load with the first client, not at import
    from ._models import AsyncActionRef, BulkChunk, BulkChunkFailure

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BulkUpdateError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitInfo",
    "VoucherifyConfigError",
    "VoucherifyError",
]

_EXCERPT_CHARS = 200


class VoucherifyError(Exception):
    """Base class of every exception the SDK raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only arguments, which Exception's own pickling cannot pass.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[VoucherifyError], args: tuple[Any, ...], state: dict[str, Any]
) -> VoucherifyError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class VoucherifyConfigError(VoucherifyError):
    """Raised when a call needs a credential or setting the client does not have.

    Raised before any network I/O; the message names the argument and its environment variable.
    """


class APIConnectionError(VoucherifyError):
    """Raised when the request could not be completed: connect error, reset, protocol error.

    Also when the answer could not be read: a body its `Content-Encoding` garbles (a corrupt
    gzip stream, `httpx.DecodingError`).

    Raised after the retries allowed by `max_retries` are used up. The transport's own exception
    is chained as `__cause__`.
    """

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class APITimeoutError(APIConnectionError):
    """A request timed out (after retries), or `async_actions.wait` ran out of time.

    With a float `timeout`, an attempt times out when it has taken that long in all, connect to
    last byte; with an `httpx.Timeout`, when one phase (connect, a read, a write) exceeds its own.
    """


class APIResponseValidationError(VoucherifyError):
    """Raised when a 2xx answer is not the documented one.

    Its status is not the one the endpoint declares (a 200 where the API sends 204), or its body
    cannot be read as the documented model (not JSON, nested too deeply, another shape). The
    message names the expected status, or the model and the JSON path of the first problem;
    `.body_excerpt` holds the start of the body.
    """

    def __init__(
        self, message: str, *, method: str, path: str, status_code: int, body_excerpt: str
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status_code = status_code
        self.body_excerpt = body_excerpt


@attrs.frozen(kw_only=True)
class RateLimitInfo:
    """The rate-limit headers of one response (`X-Rate-Limit-*`, `Retry-After`).

    Attributes:
        limit: `X-Rate-Limit-Limit`, requests allowed in the window.
        remaining: `X-Rate-Limit-Remaining`, requests left in the window.
        retry_at: `X-Rate-Limit-Retry`, Unix time (seconds) when the next call is allowed.
        limit_type: `X-Rate-Limit-Type`: `api_calls`, `bulk_api_calls`, `api_calls_cycle`, ...
        retry_after: `Retry-After` in seconds (an HTTP date is converted), if sent.
    """

    limit: int | None = None
    remaining: int | None = None
    retry_at: int | None = None
    limit_type: str | None = None
    retry_after: float | None = None


class APIStatusError(VoucherifyError):
    """Raised when the API answered with a status outside 2xx: a 4xx or 5xx, or a redirect.

    A redirect (3xx) is never followed, whatever `http_client` the SDK was given: its message
    names the scheme and host of the `Location`, and `.response` holds the answer.

    Attributes:
        status_code: the HTTP status.
        code: the `code` of the error body (usually the status), if any.
        key: the short error key, e.g. `not_found`, `invalid_payload`.
        message: the API's message (for a body that is not JSON, an excerpt of it).
        details: the API's details text.
        request_id: Voucherify's request id (`v-...`), quote it to support.
        resource_id: the id the error is about, if the API named one.
        resource_type: the kind of resource, e.g. `customer`.
        body: the decoded JSON body (a dict), or None when it was not JSON.
        method: the HTTP method of the request.
        path: the URL path of the request.
        response: the raw response (an `httpx.Response`), for anything not covered above.
    """

    status_code: int

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        text_excerpt: str,
        request_id: str | None,
        response: Any,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.path = path
        self.body = dict(body) if body is not None else None
        self.response = response
        fields = body or {}
        code = fields.get("code", fields.get("statusCode"))
        self.code: int | None = code if isinstance(code, int) else None
        self.key: str | None = _str_or_none(fields.get("key"))
        message = fields.get("message")
        error = fields.get("error")
        if message is None and isinstance(error, Mapping):
            message = error.get("message")
        if message is None and isinstance(error, str):
            message = error
        if body is None and text_excerpt:
            message = text_excerpt
        self.message: str | None = _str_or_none(message)
        self.details: str | None = _str_or_none(fields.get("details"))
        self.request_id: str | None = _str_or_none(fields.get("request_id")) or request_id
        self.resource_id: str | None = _str_or_none(fields.get("resource_id"))
        self.resource_type: str | None = _str_or_none(fields.get("resource_type"))
        super().__init__(self._summary())

    def _summary(self) -> str:
        head = f"{self.status_code}"
        if self.key:
            head += f" {self.key}"
        text = f"{head} on {self.method} {self.path}"
        if self.message:
            text += f": {self.message}"
        if self.details:
            text += f" ({self.details})"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text


class BadRequestError(APIStatusError):
    """HTTP 400: the API rejected the payload or the query."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the credentials are missing, wrong, or for another project or cluster."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the credentials may not do this."""


class NotFoundError(APIStatusError):
    """HTTP 404: no such resource (for a customer: neither an id nor a source_id matched)."""


class ConflictError(APIStatusError):
    """HTTP 409: the request conflicts with the resource's current state."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests. `.rate_limit` holds the response's rate-limit headers.

    `.retry_after` is the server's `Retry-After` in seconds, when it sent one; `.retry_at` is when
    the next call is allowed and `.limit_type` which limit was reached. Also raised without
    sending when the client's rate-limit gate is closed for longer than `max_rate_limit_wait`
    allows, or the billing cycle's budget is spent (`limit_type == "api_calls_cycle"`); then
    `.response` is None.
    """

    rate_limit: RateLimitInfo = RateLimitInfo()
    retry_at: datetime | None = None
    """When the server allows the next call (an aware UTC datetime), if it said."""

    @property
    def limit_type(self) -> str | None:
        """`X-Rate-Limit-Type`: `api_calls`, `bulk_api_calls`, `api_calls_cycle`, ... if sent."""
        return self.rate_limit.limit_type

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked the client to wait, if it said."""
        return self.rate_limit.retry_after


class InternalServerError(APIStatusError):
    """HTTP 5xx: the API (or a proxy in front of it) failed."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def excerpt(text: str) -> str:
    """A short single-line excerpt of a response body, for error messages."""
    flat = " ".join(text.split())
    if len(flat) > _EXCERPT_CHARS:
        return flat[:_EXCERPT_CHARS] + "…"
    return flat


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class BulkUpdateError(VoucherifyError):
    """Raised by `bulk_update` when a chunk fails; says what failed and what was accepted.

    When a chunk fails no further chunk is sent; the chunks already in flight are finished. Every
    record before `start` was accepted. The records of `succeeded` were accepted too (including
    chunks after the failed one that were in flight); all others were not.

    Attributes:
        start: the index of the first record of the first failed chunk.
        stop: one past the index of its last record.
        succeeded: the accepted chunks, in input order, each with its range and async action.
        failures: every failed chunk, in input order (the first is the one `start`/`stop` name).
        refs: the async action refs of the accepted chunks, in input order.
    """

    def __init__(self, succeeded: list[BulkChunk], failures: list[BulkChunkFailure]) -> None:
        self.succeeded = succeeded
        self.failures = failures
        first = failures[0]
        self.start = first.start
        self.stop = first.stop
        accepted = sum(chunk.stop - chunk.start for chunk in succeeded)
        super().__init__(
            f"bulk_update failed on records {first.start}..{first.stop - 1}: "
            f"{type(first.error).__name__}: {first.error}; "
            f"{len(succeeded)} chunk(s) ({accepted} records) were accepted, "
            f"{len(failures)} chunk(s) failed, later records were not sent"
        )
        self.__cause__ = first.error

    @property
    def refs(self) -> list[AsyncActionRef]:
        """The async action refs of the accepted chunks, in input order."""
        return [chunk.ref for chunk in self.succeeded]

"""The fake's enforced rate limit: a fixed window answering the API's 429 past its limit.

Like the informational `RateLimitCounter`, it answers `take(now)` once per request with the
`X-Rate-Limit-*` headers to stamp on the response and, when the request is over the limit, the
429's own headers (the request is then not run).
"""

from __future__ import annotations

import json
import math

RATE_LIMITED_BODY = {"code": 429, "message": "Too many requests hit the API too quickly."}
"""The API's 429 body (`documentation/guides/api-overview.mdx`)."""

Headers = list[tuple[bytes, bytes]]


class FixedWindowLimit:
    """At most `limit` requests per `window` seconds, enforced with the API's 429.

    The first window opens with the first request, and each next one with the first request
    after the previous window ended (as a counter with an expiry would). Every request counts,
    refused ones included. `X-Rate-Limit-Retry` is the request's own time while requests are
    left, else the window's end; it has millisecond precision when that end is not a whole
    second (the API's windows are whole seconds).

    Args:
        limit: requests allowed per window (>= 1).
        window: the window's length in seconds (> 0).

    Raises:
        ValueError: for a limit below 1 or a window that is not a positive finite number.
    """

    def __init__(self, limit: int, window: float) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"rate_limit's request count must be an int >= 1, got {limit!r}")
        if (
            isinstance(window, bool)
            or not isinstance(window, int | float)
            or not math.isfinite(window)
            or window <= 0
        ):
            raise ValueError(f"rate_limit's window must be seconds > 0, got {window!r}")
        self.limit = limit
        self.window = float(window)
        self.refused = 0
        self._ends = -math.inf
        self._count = 0

    def take(self, now: float) -> tuple[Headers, Headers | None]:
        """Count one request at `now` (Unix seconds).

        Returns:
            The headers to stamp on its response, and the 429's own headers (`Retry-After`,
            `X-Rate-Limit-Type`) when it is over the limit, else None.
        """
        if now >= self._ends:
            self._ends, self._count = now + self.window, 0
        self._count += 1
        remaining = max(self.limit - self._count, 0)
        stamped = [
            (b"x-rate-limit-limit", str(self.limit).encode()),
            (b"x-rate-limit-remaining", str(remaining).encode()),
            (b"x-rate-limit-retry", _seconds(now if remaining else self._ends)),
        ]
        if self._count <= self.limit:
            return stamped, None
        self.refused += 1
        return stamped, [
            (b"retry-after", _seconds(self._ends - now)),
            (b"x-rate-limit-type", b"api_calls"),
        ]


def rate_limited_body() -> bytes:
    """The encoded 429 body."""
    return json.dumps(RATE_LIMITED_BODY).encode()


def _seconds(value: float) -> bytes:
    """Seconds rounded up to the millisecond, without a fraction when it is whole."""
    millis = math.ceil(round(value * 1000, 2))  # epoch floats carry ~1e-7 s of noise
    whole, fraction = divmod(millis, 1000)
    return (str(whole) if not fraction else f"{whole}.{fraction:03d}").encode()

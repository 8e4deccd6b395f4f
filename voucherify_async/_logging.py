"""The `voucherify_async` logger: one DEBUG record per attempt, one INFO record per retry.

Nothing is logged at INFO or above for a call that succeeds at its first try. Header values of
credentials are replaced by `[redacted]` before they reach a record; messages hold the method,
the path, the status, the elapsed time, the request id and the retry count only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Final

from ._secrets import REDACTED, SECRET_HEADERS

__all__ = ["log_attempt", "log_retry", "logger", "redact_headers"]

logger: Final = logging.getLogger("voucherify_async")


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of `headers` with every credential's value replaced by `[redacted]`."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: REDACTED if name.lower() in SECRET_HEADERS else value for name, value in items}


def log_attempt(
    *,
    method: str,
    path: str,
    outcome: str,
    elapsed: float,
    request_id: str | None,
    retries: int,
    headers: Mapping[str, str],
) -> None:
    """Log one attempt at DEBUG: method, path, status (or error), elapsed, request id, retries.

    The request's headers, redacted, ride on the record as `request_headers` for handlers.
    """
    if not logger.isEnabledFor(logging.DEBUG):
        return
    logger.debug(
        "%s %s -> %s in %.3f s (request_id=%s, retries=%d)",
        method,
        path,
        outcome,
        elapsed,
        request_id or "-",
        retries,
        extra={"request_headers": redact_headers(headers)},
    )


def log_retry(
    *, method: str, path: str, attempt: int, attempts: int, reason: str, delay: float
) -> None:
    """Log at INFO that a request is about to be retried: attempt number, reason and delay."""
    logger.info(
        "retrying %s %s (attempt %d of %d) after %s in %.2f s",
        method,
        path,
        attempt,
        attempts,
        reason,
        delay,
    )

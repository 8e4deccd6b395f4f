"""The `voucherify_async` logger: one DEBUG record per attempt, one INFO record per retry.

Nothing is logged at INFO or above for a call that succeeds at its first try. Header values of
credentials are replaced by `[redacted]` before they reach a record; messages hold the method,
the path, the status, the elapsed time, the request id and the retry count only. Every record
carries the same `extra` fields (`request_headers`, redacted), so one formatter fits them all.

`VOUCHERIFY_LOG=debug` (or `info`) turns the logger on without code: the first `AsyncClient`
created sets its level and gives it a stderr handler.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Final

from ._secrets import REDACTED, SECRET_HEADERS

__all__ = ["configure_from_environment", "log_attempt", "log_retry", "logger", "redact_headers"]

logger: Final = logging.getLogger("voucherify_async")

LOG_ENV: Final = "VOUCHERIFY_LOG"
LOG_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
"""The values `VOUCHERIFY_LOG` accepts (in any case), and the level each sets."""

LOG_FORMAT: Final = "[%(asctime)s %(name)s %(levelname)s] %(message)s"


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of `headers` with every credential's value replaced by `[redacted]`."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: REDACTED if name.lower() in SECRET_HEADERS else value for name, value in items}


@functools.cache
def configure_from_environment() -> None:
    """Apply `VOUCHERIFY_LOG` once per process: set the logger's level, add a stderr handler.

    Unset or empty does nothing; a value other than `debug` or `info` is ignored with a warning,
    so a typo does not pass for "logging is on".
    """
    value = os.environ.get(LOG_ENV, "").strip()
    if not value:
        return
    level = LOG_LEVELS.get(value.lower())
    if level is None:
        warnings.warn(
            f"{LOG_ENV}={value!r} is ignored: use one of {', '.join(LOG_LEVELS)}",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)


def _extra(headers: Mapping[str, str]) -> dict[str, Any]:
    """The `extra` fields of every record: the request's headers, redacted."""
    return {"request_headers": redact_headers(headers)}


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
        extra=_extra(headers),
    )


def log_retry(
    *,
    method: str,
    path: str,
    attempt: int,
    attempts: int,
    reason: str,
    delay: float,
    headers: Mapping[str, str],
) -> None:
    """Log at INFO that a request is about to be retried: attempt number, reason and delay.

    The failed attempt's headers, redacted, ride on the record as `request_headers`.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    logger.info(
        "retrying %s %s (attempt %d of %d) after %s in %.2f s",
        method,
        path,
        attempt,
        attempts,
        reason,
        delay,
        extra=_extra(headers),
    )

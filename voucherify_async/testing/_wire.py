"""Wire-level helpers of the fake: timestamps, identifiers and the clock.

Voucherify renders date-times with millisecond precision as `YYYY-MM-DDTHH:MM:SS.mmmZ`; the fake
stores every timestamp truncated to the millisecond so that ties are as real as on the API.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]

_ALNUM = string.ascii_letters + string.digits


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


def to_ms(value: datetime) -> datetime:
    """Return `value` in UTC, truncated to whole milliseconds (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def wire_datetime(value: datetime) -> str:
    """Render `value` the way Voucherify does: `2022-08-30T10:17:39.220Z` (4-digit year)."""
    return to_ms(value).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 date-time (`Z` or offset, any fraction; a bare date means midnight UTC).

    Raises:
        ValueError: `text` is not an ISO-8601 date or date-time.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date-time")
    if len(text) == 10:
        parsed_date = date.fromisoformat(text)
        return datetime(parsed_date.year, parsed_date.month, parsed_date.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def is_date(text: str) -> bool:
    """Tell whether `text` is a plain `YYYY-MM-DD` date."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


class IdFactory:
    """Makes Voucherify-looking identifiers, deterministic for a given seed.

    `cust_`, `seg_` and `del_` ids are 24 random alphanumerics, like the API's; the
    event-style ids (`evcus_`, `rh_`, `aa_`, `v-` request ids) are 18 hex digits whose
    leading digits grow with time, as the API's do.
    """

    def __init__(self, seed: int | None = 0) -> None:
        self._random = random.Random(seed)
        self._counter = itertools.count(1)

    def random_id(self, prefix: str) -> str:
        """Return `prefix` followed by 24 random letters and digits."""
        return prefix + "".join(self._random.choice(_ALNUM) for _ in range(24))

    def hex_id(self, prefix: str, at: datetime) -> str:
        """Return `prefix` and 18 hex digits, ordered by `at` and then by creation."""
        millis = int(to_ms(at).timestamp() * 1000) & 0xFFFFFFFFFFF
        return f"{prefix}{millis:011x}{next(self._counter) & 0xFFFFFFF:07x}"


def add_ms(value: datetime, millis: int) -> datetime:
    """Return `value` shifted by `millis` milliseconds."""
    return value + timedelta(milliseconds=millis)

"""Query-string parsing shared by the list endpoints (validation answers 400 like the API)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from urllib.parse import parse_qsl

from ._errors import invalid_query
from ._wire import parse_datetime

QueryPairs = list[tuple[str, str]]


def parse_query(raw: bytes | str) -> QueryPairs:
    """Split a raw query string into decoded `(name, value)` pairs, blanks kept.

    Percent-encoded names decode too, so `created_at%5Bbefore%5D` is `created_at[before]`.
    """
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return parse_qsl(text, keep_blank_values=True)


class FakeQuery:
    """Typed, validated access to the query parameters of one request."""

    def __init__(self, pairs: QueryPairs) -> None:
        self.pairs = pairs

    def get(self, name: str) -> str | None:
        """Return the last value given for `name`, or `None` when absent."""
        found = None
        for key, value in self.pairs:
            if key == name:
                found = value
        return found

    def integer(self, name: str, *, default: int, low: int, high: int) -> int:
        """Return `name` as an int within `low..high` (`default` when absent)."""
        text = self.get(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise invalid_query(f"{name}: must be an integer (actual value is '{text}')") from None
        if value < low:
            raise invalid_query(f"{name}: must be >= {low} (actual value is {value})")
        if value > high:
            raise invalid_query(f"{name}: must be <= {high} (actual value is {value})")
        return value

    def limit(self) -> int:
        """Return `limit` (1..100, default 10)."""
        return self.integer("limit", default=10, low=1, high=100)

    def choice(self, name: str, allowed: Collection[str], *, default: str) -> str:
        """Return `name` if it is one of `allowed` (`default` when absent)."""
        text = self.get(name)
        if text is None:
            return default
        if text not in allowed:
            options = ", ".join(sorted(allowed))
            raise invalid_query(f"{name}: must be one of {options} (actual value is '{text}')")
        return text

    def optional_choice(self, name: str, allowed: Collection[str]) -> str | None:
        """Return `name` if given and one of `allowed`; `None` when absent."""
        if self.get(name) is None:
            return None
        return self.choice(name, allowed, default="")

    def datetime(self, name: str) -> datetime | None:
        """Return `name` parsed as an ISO-8601 date-time, or `None` when absent."""
        text = self.get(name)
        if text is None:
            return None
        try:
            return parse_datetime(text)
        except ValueError:
            raise invalid_query(
                f"{name}: must be a date-time in ISO 8601 format (actual value is '{text}')"
            ) from None

"""Shared definitions: the `NOT_GIVEN` sentinel and the type aliases of the public signatures.

A leaf module (it imports nothing of the package), so any layer may use it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, Literal

__all__ = [
    "NOT_GIVEN",
    "Auth",
    "DateArg",
    "DateTimeArg",
    "HttpBackend",
    "NotGiven",
    "Query",
]


class NotGiven:
    """The type of `NOT_GIVEN`: an argument the caller did not pass (as opposed to `None`)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Query = list[tuple[str, str]]
"""A query string as ordered `(name, value)` pairs, encoded and ready to send."""

DateTimeArg = datetime | str
"""An aware `datetime` or an ISO-8601 string."""

DateArg = date | str
"""A `date` or a `YYYY-MM-DD` string."""

Auth = Literal["server", "client"]
"""Which keys sign a request: the server-side or the client-side ones."""

HttpBackend = Literal["auto", "httpx", "aiohttp"]
"""The transport of the client's own pool (see `AsyncClient(http_backend=...)`)."""

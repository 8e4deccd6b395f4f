"""The record of each request the fake received, for assertions in users' tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it.

    Attributes:
        method: The HTTP method, upper-case.
        path: The decoded path (`/v1/customers/a/b` for `a%2Fb`).
        raw_path: The path exactly as sent, still percent-encoded (`/v1/customers/a%2Fb`).
        query_string: The raw query string, undecoded (`created_at%5Bbefore%5D=...`).
        query: Decoded query parameters, each name mapped to all its values in order.
        headers: Header names (lower-case) mapped to their last value.
        body: The raw request body.
    """

    method: str
    path: str
    raw_path: str
    query_string: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body decoded as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return json.loads(self.body)

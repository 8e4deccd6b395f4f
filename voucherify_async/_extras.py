"""Extra headers and query parameters a `with_options()` copy adds to every request it sends.

Checked once, when the copy is made: a header the SDK owns (credentials, framing, content
negotiation) or a name or value that could split a header line raises `ValueError` naming it, so
nothing malformed or forged is ever sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

from ._types import Query

__all__ = ["PROTECTED_HEADERS", "Extras", "QueryValue"]

QueryValue = str | int | float | bool
"""A value of `extra_query`: sent as text (`True`/`False` as `true`/`false`)."""

PROTECTED_HEADERS: Final = frozenset(
    {
        # credentials and the client-side Origin: set from AsyncClient's arguments only
        "x-app-id",
        "x-app-token",
        "x-client-application-id",
        "x-client-token",
        "origin",
        # framing and content negotiation: the SDK encodes the body and decodes the answer
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "host",
        "connection",
        "accept",
        "accept-encoding",
    }
)
"""Header names (lower-case) that `extra_headers` may not set."""

_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
_FIELD_VALUE: Final = re.compile(r"[\t\x20-\x7e]*")  # visible ASCII, space and tab


@attrs.frozen
class Extras:
    """The extra headers and query pairs of a `with_options` copy (a client without holds None).

    Attributes:
        headers: `(name, value)` pairs, one per name (case-insensitively), as given.
        query: `(name, value)` pairs, one per name, values already rendered as text.
    """

    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.headers or self.query)

    def merged(
        self,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, QueryValue] | None,
    ) -> Extras:
        """These extras with new ones added; a name given again (headers: in any case) wins.

        Raises:
            ValueError: for a protected header, a malformed header name or value, or an empty
                query name.
            TypeError: for a mapping of the wrong shape.
        """
        headers = self.headers
        if extra_headers is not None:
            new = _checked_headers(extra_headers)
            names = {name.lower() for name, _ in new}
            headers = (*((n, v) for n, v in headers if n.lower() not in names), *new)
        query = self.query
        if extra_query is not None:
            new = _checked_query(extra_query)
            names = {name for name, _ in new}
            query = (*((n, v) for n, v in query if n not in names), *new)
        return Extras(headers, query)

    def apply_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """The request's headers with the extra ones added (they override unprotected ones)."""
        if not self.headers:
            return headers
        names = {name.lower() for name, _ in self.headers}
        kept = {name: value for name, value in headers.items() if name.lower() not in names}
        return {**kept, **dict(self.headers)}

    def apply_query(self, params: Query | None) -> Query | None:
        """The request's query with the extra pairs appended.

        Raises:
            ValueError: an extra name is one the call sends itself (pass it as the method's
                argument instead); raised before anything is sent.
        """
        if not self.query:
            return params
        own = {name for name, _ in params or ()}
        clash = sorted(own.intersection(name for name, _ in self.query))
        if clash:
            raise ValueError(
                f"extra_query sets {clash[0]!r}, which this call sends itself: "
                "pass it as the method's argument instead"
            )
        return [*(params or ()), *self.query]


def _checked_headers(extra_headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(extra_headers, Mapping):
        raise TypeError(
            f"extra_headers must be a mapping of str to str, got {type(extra_headers).__name__}"
        )
    seen: set[str] = set()
    pairs = []
    for name, value in extra_headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"extra_headers: {name!r} is not a valid header name")
        lowered = name.lower()
        if lowered in PROTECTED_HEADERS:
            raise ValueError(
                f"extra_headers may not set {name!r}: the SDK sets it itself "
                "(credentials and Origin come from AsyncClient's arguments)"
            )
        if lowered in seen:
            raise ValueError(f"extra_headers names {name!r} twice (header names ignore case)")
        seen.add(lowered)
        if not isinstance(value, str):
            raise TypeError(f"extra_headers[{name!r}] must be a str, got {type(value).__name__}")
        if not _FIELD_VALUE.fullmatch(value):
            raise ValueError(
                f"extra_headers[{name!r}] must be printable ASCII: no CR, LF, NUL or other "
                "control characters"
            )
        pairs.append((name, value))
    return tuple(pairs)


def _checked_query(extra_query: Mapping[str, QueryValue]) -> tuple[tuple[str, str], ...]:
    if not isinstance(extra_query, Mapping):
        raise TypeError(f"extra_query must be a mapping, got {type(extra_query).__name__}")
    pairs = []
    for name, value in extra_query.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"extra_query: {name!r} is not a valid parameter name")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
        else:
            raise TypeError(
                f"extra_query[{name!r}] must be a str, int, float or bool, "
                f"got {type(value).__name__}"
            )
        pairs.append((name, text))
    return tuple(pairs)

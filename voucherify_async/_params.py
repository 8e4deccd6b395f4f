"""Argument checks and wire encoding, done before anything is sent.

Every check raises `ValueError` (or `TypeError` for a wrong type) naming the parameter, so a bad
argument never costs a request.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import quote

import attrs

from ._convert import EXTRA, format_datetime

# httpx refuses URLs over 65,536 characters (httpx._urlparse.MAX_URL_LENGTH); half of that for one
# segment leaves room for the base URL, the rest of the path and the query.
MAX_SEGMENT: Final = 32_768

__all__ = [
    "MAX_SEGMENT",
    "check_choice",
    "check_duration",
    "check_int_range",
    "check_json_value",
    "deep_object_query",
    "encode_date",
    "encode_datetime",
    "path_segment",
]

_PLAIN: Final = frozenset({str, int, bool, type(None)})
_NOT_FINITE: Final = "must be a finite number (JSON has no NaN or Infinity)"


def path_segment(value: object, name: str = "customer_id") -> str:
    """Percent-encode `value` as exactly one URL path segment.

    `/`, `?`, `#`, `%` and spaces are encoded, and `.`/`..` become `%2E` forms, so no value can
    reach another path. An encoded value over `MAX_SEGMENT` characters raises `ValueError`.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must be a non-empty string")
    encoded = quote(value, safe="@")
    if len(encoded) > MAX_SEGMENT:
        raise ValueError(
            f"{name} is too long for a URL: {len(encoded)} characters once percent-encoded, "
            f"at most {MAX_SEGMENT}"
        )
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def check_int_range(value: object, name: str, low: int, high: int | None) -> int:
    """Return `value` if it is an int within `low..high` (`high` None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if high is None:
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    elif not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def check_choice(value: object, name: str, allowed: Collection[str]) -> str:
    """Return `value` if it is one of `allowed`."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return str(value)


def encode_datetime(value: object, name: str) -> str:
    """Encode an aware datetime or ISO-8601 string as the API's UTC millisecond form.

    Naive values are rejected: they would silently shift results by the local UTC offset.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be an ISO-8601 date-time, got {value!r}") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise TypeError(
            f"{name} must be a datetime or an ISO-8601 string, got {type(value).__name__}"
        )
    return format_datetime(_checked_datetime(parsed, name))


def _checked_datetime(value: datetime, name: str) -> datetime:
    """Return `value` if it is aware and its UTC form is a date-time JSON can carry."""
    problem = _datetime_problem(value)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return value


def _datetime_problem(value: datetime) -> str | None:
    if value.tzinfo is None or value.utcoffset() is None:
        return (
            "must be timezone-aware (e.g. datetime.now(UTC) or '...Z'); "
            f"a naive value would be shifted by the local UTC offset: {value!r}"
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        return f"falls outside the years 1..9999 in UTC: {value!r}"
    return None


def check_json_value(value: object, path: str) -> None:
    """Refuse, anywhere inside a request body value, what JSON cannot carry faithfully.

    A naive `datetime` would be read in this machine's local time and sent shifted; NaN and
    ±Infinity are not JSON (most servers reject the body, some read them as null).

    Args:
        value: the value as the caller gave it: mappings, lists, attrs models (`CustomerUpdate`,
            `Address`), scalars.
        path: where `value` sits in the call, as the error names it (`metadata`, `records[3]`).

    Raises:
        ValueError: naming the key path of the first such value (`metadata.nested.v`).
    """
    found = _unsendable(value)
    if found is not None:
        where, problem = found
        raise ValueError(f"{path}{where} {problem}")


def _unsendable(value: object) -> tuple[str, str] | None:
    """The sub-path and the problem of the first value JSON cannot carry, or None.

    The path is built only on the way back from a problem (most bodies have none), which keeps
    the walk cheaper than encoding the body.
    """
    kind = type(value)
    if kind in _PLAIN:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else ("", _NOT_FINITE)
    if isinstance(value, datetime):
        problem = _datetime_problem(value)
        return None if problem is None else ("", problem)
    if isinstance(value, dict | Mapping):
        for key, item in value.items():
            if (found := _unsendable(item)) is not None:
                return f".{key}{found[0]}", found[1]
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            if (found := _unsendable(item)) is not None:
                return f"[{index}]{found[0]}", found[1]
    elif attrs.has(kind):
        for field in attrs.fields(kind):
            if (found := _unsendable(getattr(value, field.name))) is not None:
                # The `extra` mapping is sent beside the named fields: its keys sit one level up.
                where = "" if field.name == EXTRA else f".{field.name}"
                return where + found[0], found[1]
    return None


def check_duration(value: object, name: str, *, infinite: bool = False) -> float:
    """Return `value` if it is a number of seconds > 0; `infinite` lets `math.inf` through.

    NaN is refused by name: every comparison with it is false, so it slips past `<= 0`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if math.isnan(value) or value <= 0 or (math.isinf(value) and not infinite):
        allowed = "> 0 (math.inf for no limit)" if infinite else "finite and > 0"
        raise ValueError(f"{name} must be {allowed} seconds, got {value!r}")
    return float(value)


def encode_date(value: object, name: str) -> str:
    """Encode a `date` or a `YYYY-MM-DD` string."""
    if isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not a datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"{name} must be a date in YYYY-MM-DD form, got {value!r}") from None
    raise TypeError(f"{name} must be a date or a 'YYYY-MM-DD' string, got {type(value).__name__}")


def deep_object_query(value: object, name: str) -> list[tuple[str, str]]:
    """Flatten a nested mapping into deepObject query pairs, as Voucherify expects them.

    `{"holder_role": {"conditions": {"$in": ["OWNER", "REFEREE"]}}}` becomes
    `filters[holder_role][conditions][$in][0]=OWNER`, `...[$in][1]=REFEREE`. Lists are indexed
    (the documented form, not `[]`), datetimes are encoded like every other date-time, and `None`
    or an empty list yields an empty value (for `$has_value` / `$is_unknown`).
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, got {type(value).__name__}")
    pairs: list[tuple[str, str]] = []
    _flatten(value, name, name, pairs)
    return pairs


def _flatten(value: Any, key: str, name: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for sub, item in value.items():
            _flatten(item, f"{key}[{sub}]", name, out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append((key, ""))
        for index, item in enumerate(value):
            _flatten(item, f"{key}[{index}]", name, out)
    elif value is None:
        out.append((key, ""))
    elif isinstance(value, bool):
        out.append((key, "true" if value else "false"))
    elif isinstance(value, datetime):
        out.append((key, encode_datetime(value, key)))
    elif isinstance(value, date):
        out.append((key, value.isoformat()))
    elif isinstance(value, str | int | float):
        out.append((key, str(value)))
    else:
        raise TypeError(f"{name}: cannot encode {type(value).__name__} at {key}")

"""Argument checks and wire encoding, done before anything is sent.

Every check raises `ValueError` (or `TypeError` for a wrong type) naming the parameter, so a bad
argument never costs a request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
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
    "check_path",
    "check_text",
    "deep_object_query",
    "encode_date",
    "encode_datetime",
    "is_text",
    "path_segment",
    "shown",
]

_PLAIN: Final = frozenset({str, int, bool, type(None)})
_NOT_FINITE: Final = "must be a finite number (JSON has no NaN or Infinity)"
_NOT_JSON: Final = "cannot be sent as JSON"
_SHOWN_BITS: Final = 256  # ints beyond 4,300 digits have no repr; none this long is an argument
_SHOWN_CHARS: Final = 200
_NOT_TEXT: Final = "holds a lone surrogate, which is not text UTF-8 can carry"
MAX_JSON_DEPTH: Final = 100
"""How deep a request body value may nest (the encoder's recursion has to stay well inside
Python's limit; the API's own bodies nest a few levels)."""
_TOO_DEEP: Final = f"nests deeper than {MAX_JSON_DEPTH} levels (or contains itself)"
_JSON_TYPES: Final = "str, int, float, bool, None, date, datetime, mappings and lists"


def shown(value: object) -> str:
    """`repr(value)` for an error message, bounded: an int too long for `repr` is described."""
    if isinstance(value, int) and value.bit_length() > _SHOWN_BITS:
        return f"an int of {value.bit_length()} bits"
    try:
        text = repr(value)
    except ValueError:  # such an int inside a container
        return f"a {type(value).__name__} that has no repr"
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


def is_text(value: str) -> bool:
    r"""Whether `value` can be sent: it encodes as UTF-8.

    A JSON `"\\ud800"` escape decodes to a lone surrogate, which no URL or body can carry.
    """
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_text(value: object, name: str) -> str:
    """Return `value` if it is a str that can be sent (no lone surrogates)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not is_text(value):
        raise ValueError(f"{name} {_NOT_TEXT}")
    return value


def check_path(value: str | os.PathLike[str], name: str) -> Path:
    """Return `value` as a `Path` if it names a file the OS can be asked for (not empty)."""
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str path, got {type(text).__name__}")
    if not check_text(text, name):
        raise ValueError(f"{name} must be a non-empty path")
    return Path(text)


def path_segment(value: object, name: str = "customer_id") -> str:
    """Percent-encode `value` as exactly one URL path segment.

    `/`, `?`, `#`, `%` and spaces are encoded, and `.`/`..` become `%2E` forms, so no value can
    reach another path. An encoded value over `MAX_SEGMENT` characters raises `ValueError`.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    check_text(value, name)  # no lone surrogate
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
            raise ValueError(f"{name} must be >= {low}, got {shown(value)}")
    elif not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {shown(value)}")
    return value


def check_choice(value: object, name: str, allowed: Collection[str]) -> str:
    """Return `value` if it is one of `allowed`."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {shown(value)}")
    return str(value)


def encode_datetime(value: object, name: str) -> str:
    """Encode an aware datetime or ISO-8601 string as the API's UTC millisecond form.

    Naive values are rejected: they would silently shift results by the local UTC offset.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be an ISO-8601 date-time, got {shown(value)}") from None
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
    ±Infinity are not JSON (most servers reject the body, some read them as null). Values JSON
    has no form for (a `Decimal`, a `set`, `bytes`, any other object) would fail deep in the
    client, or be sent in a form nobody asked for (`bytes` as base85, a set in no order).

    Args:
        value: the value as the caller gave it: mappings, lists, attrs models (`CustomerUpdate`,
            `Address`), scalars.
        path: where `value` sits in the call, as the error names it (`metadata`, `records[3]`).

    Raises:
        ValueError: naming the key path of the first such value (`metadata.nested.v`), for a
            naive or out-of-range datetime, a NaN/infinite float, or a structure nested too
            deep for JSON (or one that contains itself).
        TypeError: naming the key path of the first value (or mapping key) of a type JSON
            cannot carry.
    """
    try:
        found = _unsendable(value)
    except RecursionError:  # only below a recursion limit lowered under MAX_JSON_DEPTH
        raise ValueError(f"{path} {_TOO_DEEP}") from None
    if found is not None:
        where, problem = found
        error = TypeError if problem.startswith(_NOT_JSON) else ValueError
        raise error(f"{path}{where} {problem}")


def _unsendable(value: object, depth: int = 0) -> tuple[str, str] | None:
    """The sub-path and the problem of the first value JSON cannot carry, or None.

    The path is built only on the way back from a problem (most bodies have none), which keeps
    the walk cheaper than encoding the body.
    """
    kind = type(value)
    if kind is str:
        return None if is_text(value) else ("", _NOT_TEXT)  # type: ignore[arg-type]
    if kind in _PLAIN:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else ("", _NOT_FINITE)
    if isinstance(value, datetime):
        problem = _datetime_problem(value)
        return None if problem is None else ("", problem)
    if depth > MAX_JSON_DEPTH:
        return "", _TOO_DEEP
    if isinstance(value, dict | Mapping):
        for key, item in value.items():
            if (type(key) is not str or not is_text(key)) and (bad := _bad_key(key)):
                return f".{shown(key)}", bad
            if (found := _unsendable(item, depth + 1)) is not None:
                return f".{key if type(key) is str else shown(key)}{found[0]}", found[1]
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := _unsendable(item, depth + 1)) is not None:
                return f"[{index}]{found[0]}", found[1]
    elif attrs.has(kind):
        for field in attrs.fields(kind):
            if (found := _unsendable(getattr(value, field.name), depth + 1)) is not None:
                # The `extra` mapping is sent beside the named fields: its keys sit one level up.
                where = "" if field.name == EXTRA else f".{field.name}"
                return where + found[0], found[1]
    elif not isinstance(value, str | int | date):  # StrEnum and IntEnum members are str and int
        return "", f"{_NOT_JSON}: a {kind.__name__} (JSON carries {_JSON_TYPES})"
    return None


def _bad_key(key: object) -> str | None:
    """The problem of a mapping key JSON cannot carry (json writes str, int, bool, None)."""
    if isinstance(key, str):
        return None if is_text(key) else f"is a key that {_NOT_TEXT}"
    if isinstance(key, int) or key is None:
        return None
    if isinstance(key, float):
        return None if math.isfinite(key) else f"is a key that {_NOT_FINITE}"
    return f"{_NOT_JSON}: a {type(key).__name__} key (JSON keys are strings)"


def check_duration(value: object, name: str, *, infinite: bool = False) -> float:
    """Return `value` if it is a number of seconds > 0; `infinite` lets `math.inf` through.

    NaN is refused by name: every comparison with it is false, so it slips past `<= 0`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond any float: as good as infinite
        seconds = math.inf if value > 0 else -math.inf
    if math.isnan(seconds) or seconds <= 0 or (math.isinf(seconds) and not infinite):
        allowed = "> 0 (math.inf for no limit)" if infinite else "finite and > 0"
        raise ValueError(f"{name} must be {allowed} seconds, got {shown(value)}")
    return seconds


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
            raise ValueError(
                f"{name} must be a date in YYYY-MM-DD form, got {shown(value)}"
            ) from None
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


def _flatten(value: Any, key: str, name: str, out: list[tuple[str, str]], depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{name}: {key} {_TOO_DEEP}")
    if isinstance(value, Mapping):
        for sub, item in value.items():
            _flatten(item, f"{key}[{sub}]", name, out, depth + 1)
    elif isinstance(value, list | tuple):
        if not value:
            out.append((key, ""))
        for index, item in enumerate(value):
            _flatten(item, f"{key}[{index}]", name, out, depth + 1)
    elif value is None:
        out.append((key, ""))
    elif isinstance(value, bool):
        out.append((key, "true" if value else "false"))
    elif isinstance(value, Enum):
        _flatten(value.value, key, name, out, depth)  # str() would give `Class.MEMBER`
    elif isinstance(value, datetime):
        out.append((key, encode_datetime(value, key)))
    elif isinstance(value, date):
        out.append((key, value.isoformat()))
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{key} {_NOT_FINITE.replace('JSON', 'a query')}, got {value!r}")
    elif isinstance(value, str | float):
        out.append((key, str(value)))
    elif isinstance(value, int):
        try:
            out.append((key, str(value)))
        except ValueError:  # more digits than Python converts (sys.set_int_max_str_digits)
            raise ValueError(
                f"{key} is an int too long to send ({value.bit_length()} bits)"
            ) from None
    else:
        raise TypeError(f"{name}: cannot encode {type(value).__name__} at {key}")

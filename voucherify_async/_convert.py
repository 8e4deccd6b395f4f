"""The one cattrs converter: JSON bodies to attrs models and back.

Built twice from the same hooks: `converter` with detailed validation, and a fast twin without it
that decodes every response (about half the CPU per model). Only when the fast one fails does the
detailed one run again on the same data, to name the model and JSON path in the error.

- Date-times decode to aware `datetime` (the API sends `...Z` and `+00:00` with 2 to 6 fractional
  digits) and encode as UTC with milliseconds and `Z`, as the API writes them.
- Primitives are strict: `None` never becomes `"None"`, `"false"` never becomes `True`.
- Response models keep the fields they do not know in `extra` (nested models too).
- Request models drop fields that are `None`, so they are not sent and stay unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from ._models import CustomerUpdate

__all__ = [
    "ResponseShapeError",
    "converter",
    "format_datetime",
    "structure",
    "unstructure_request",
]

T = TypeVar("T")

EXTRA = "extra"


class ResponseShapeError(Exception):
    """A body that does not fit its model; the message names the model and the JSON path."""


def format_datetime(value: datetime) -> str:
    """Encode an aware datetime as the API writes them: UTC, milliseconds, `Z`, 4-digit year.

    Raises:
        ValueError: for a naive datetime (`astimezone` would read it in local time).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be sent, make it timezone-aware: {value!r}")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat, unlike strftime("%Y") on glibc, writes year 999 as 0999.
    return utc.isoformat(timespec="milliseconds") + "Z"


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 date-time string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_date(value: Any, _: type) -> date:
    if not isinstance(value, str):
        raise TypeError(f"expected a YYYY-MM-DD date string, got {type(value).__name__}")
    # Some accounts hold birthdates as full timestamps; the date part is what matters.
    return date.fromisoformat(value[:10])


def _strict(kind: type, accept: tuple[type, ...]) -> Callable[[Any, type], Any]:
    # json.loads builds exact types, so one `type(value) in accept` test is the whole check
    # (and it rejects bool for int, since `type(True) is bool`).
    def hook(value: Any, _: type) -> Any:
        if type(value) not in accept:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return hook


_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
}


def _is_json_object(annotation: Any) -> bool:
    return bool(annotation == dict[str, Any])


def _structure_json_object(value: Any, _: type) -> dict[str, Any]:
    """`dict[str, Any]` (metadata, ...): json.loads built it fresh, so it is kept as it is."""
    if type(value) is not dict:
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _is_optional(annotation: Any) -> bool:
    args = get_args(annotation)
    return len(args) == 2 and type(None) in args and get_origin(annotation) in (Union, UnionType)


def _make_optional_hook(annotation: Any, conv: cattrs.Converter) -> Callable[[Any, type], Any]:
    """`X | None`: the hook of X looked up once, not dispatched on every value."""
    inner = next(arg for arg in get_args(annotation) if arg is not type(None))
    accept = _PRIMITIVES.get(inner)
    if accept is not None:
        strict = _strict(inner, accept)

        def primitive_or_none(value: Any, _: type) -> Any:
            if value is None or type(value) in accept:
                return value
            return strict(value, inner)  # raises the strict hook's message

        return primitive_or_none
    hook = conv.get_structure_hook(inner)

    def value_or_none(value: Any, _: type) -> Any:
        return None if value is None else hook(value, inner)

    return value_or_none


def _is_response_model(cls: type) -> bool:
    return attrs.has(cls) and EXTRA in attrs.fields_dict(cls)


def _make_structure_hook(cls: type[Any], conv: cattrs.Converter) -> Callable[[Any, type], Any]:
    attrs.resolve_types(cls)  # the models use `from __future__ import annotations`
    known = frozenset(a.name for a in attrs.fields(cls) if a.name != EXTRA)
    # The API sends null in fields its schemas do not mark nullable (spec NOTES §9.5): a null in
    # a field typed without None (a list, a dict, `object`) means "absent", so its default applies.
    null_means_default = frozenset(
        a.name
        for a in attrs.fields(cls)
        if a.name != EXTRA and a.default is not attrs.NOTHING and not _admits_none(a.type)
    )
    build = make_dict_structure_fn(cls, conv, extra=override(omit=True))

    def structure_model(value: Any, _: type) -> Any:
        if type(value) is not dict and not isinstance(value, Mapping):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        # `None in values()` runs in C and is false for most objects; the exact test follows.
        if (
            null_means_default
            and None in value.values()
            and any(value.get(name, 0) is None for name in null_means_default)
        ):
            value = {k: v for k, v in value.items() if v is not None or k not in null_means_default}
        obj = build(value, cls)
        if not value.keys() <= known:
            # Frozen models: the extras are attached once, right after construction.
            object.__setattr__(obj, EXTRA, {k: v for k, v in value.items() if k not in known})
        return obj

    return structure_model


def _admits_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation) or annotation is Any


def _make_unstructure_hook(cls: type[Any], conv: cattrs.Converter) -> Callable[[Any], Any]:
    has_extra = EXTRA in attrs.fields_dict(cls)
    if has_extra:
        base = make_dict_unstructure_fn(cls, conv, extra=override(omit=True))
    else:
        base = make_dict_unstructure_fn(cls, conv)

    def unstructure_model(obj: Any) -> dict[str, Any]:
        out = {k: v for k, v in base(obj).items() if v is not None}
        if has_extra:
            out.update(getattr(obj, EXTRA))
        return out

    return unstructure_model


def _unstructure_date_or_str(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _build(*, detailed: bool) -> cattrs.Converter:
    conv = make_converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(str, _strict(str, (str,)))
    conv.register_structure_hook(int, _strict(int, (int,)))
    conv.register_structure_hook(float, _strict(float, (int, float)))
    conv.register_structure_hook(bool, _strict(bool, (bool,)))
    conv.register_structure_hook_func(_is_json_object, _structure_json_object)
    conv.register_structure_hook_factory(_is_optional, _make_optional_hook)
    conv.register_structure_hook_factory(_is_response_model, _make_structure_hook)
    conv.register_unstructure_hook_factory(attrs.has, _make_unstructure_hook)
    conv.register_unstructure_hook(date | str, _unstructure_date_or_str)
    return conv


converter = _build(detailed=True)
_fast = _build(detailed=False)


def structure(data: Any, cls: type[T]) -> T:
    """Decode a JSON value into `cls`, raising `ResponseShapeError` with a readable message."""
    try:
        return _fast.structure(data, cls)
    except (TypeError, ValueError, KeyError, AttributeError) as fast_error:
        try:
            converter.structure(data, cls)  # again, only to say where the data is wrong
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            raise ResponseShapeError(_describe(exc, cls)) from exc
        raise ResponseShapeError(f"{cls.__name__}: {fast_error!r}") from fast_error


def _describe(exc: Exception, cls: type) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path=f"{cls.__name__}")[:3])
    return f"{cls.__name__}: {exc}"


def unstructure_request(record: CustomerUpdate | Mapping[str, Any]) -> dict[str, Any]:
    """Encode a request record as JSON-ready values, leaving out model fields that are None.

    A mapping's values go through the converter too, so dates, datetimes and `Address` objects
    inside it are encoded as they are in a `CustomerUpdate` (json.dumps would reject them).
    """
    out: dict[str, Any] = converter.unstructure(
        dict(record) if isinstance(record, Mapping) else record
    )
    return out

"""The one cattrs converter: JSON bodies to attrs models and back.

- Date-times decode to aware `datetime` (the API sends `...Z` and `+00:00` with 2 to 6 fractional
  digits) and encode as UTC with milliseconds and `Z`, as the API writes them.
- Primitives are strict: `None` never becomes `"None"`, `"false"` never becomes `True`.
- Response models keep the fields they do not know in `extra` (nested models too).
- Request models drop fields that are `None`, so they are not sent and stay unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, get_args

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
    """Encode an aware datetime as the API writes them: UTC, milliseconds, `Z`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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
    def hook(value: Any, _: type) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got bool")
        if not isinstance(value, accept):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return hook


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
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        if any(value.get(name, 0) is None for name in null_means_default):
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


def _build() -> cattrs.Converter:
    conv = make_converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(str, _strict(str, (str,)))
    conv.register_structure_hook(int, _strict(int, (int,)))
    conv.register_structure_hook(float, _strict(float, (int, float)))
    conv.register_structure_hook(bool, _strict(bool, (bool,)))
    conv.register_structure_hook_factory(_is_response_model, _make_structure_hook)
    conv.register_unstructure_hook_factory(attrs.has, _make_unstructure_hook)
    conv.register_unstructure_hook(date | str, _unstructure_date_or_str)
    return conv


converter = _build()


def structure(data: Any, cls: type[T]) -> T:
    """Decode a JSON value into `cls`, raising `ResponseShapeError` with a readable message."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            problems = cattrs.transform_error(exc, path=f"{cls.__name__}")
            detail = "; ".join(problems[:3])
        else:
            detail = f"{cls.__name__}: {exc}"
        raise ResponseShapeError(detail) from exc


def unstructure_request(record: CustomerUpdate | Mapping[str, Any]) -> dict[str, Any]:
    """Encode a request record as JSON-ready values, leaving out model fields that are None.

    A mapping's values go through the converter too, so dates, datetimes and `Address` objects
    inside it are encoded as they are in a `CustomerUpdate` (json.dumps would reject them).
    """
    out: dict[str, Any] = converter.unstructure(
        dict(record) if isinstance(record, Mapping) else record
    )
    return out

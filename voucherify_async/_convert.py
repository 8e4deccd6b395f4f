"""JSON bodies to attrs models and back: the SDK's one home for parsing and encoding JSON.

Decoding a response body (`decode`) takes one of two paths, with the same result:

- The fast path: msgspec decodes the bytes straight into the attrs classes, in C. It runs only after
  a cheaper msgspec pass over mirror structs (same field types, unknown keys forbidden, date-times
  with an offset) has found nothing the fast path would handle differently. Almost every page of
  customers takes it.
- The general path, for the rest (a field this SDK does not know, a `null` item in a list, a
  lowercase date-time, an error to describe, nesting msgspec refuses): orjson parses the body, then
  one structuring function per model, generated on its first use, builds the models.

What both promise:

- Response models keep the fields they do not know in `extra` (nested models too).
- Primitives are strict: `None` never becomes `"None"`, `"false"` never becomes `True`, `2.5` is no
  `int`. A mismatch raises `ResponseShapeError` naming the model and the JSON path.
- A `null` where a model field cannot hold `None` (a list, a dict, `object`) means "absent": the
  field's default applies (the API sends such nulls, spec NOTES §9.5).
- A `null` item inside a list or a map of models is skipped, so `list[Customer]` holds customers
  only.
- Date-times decode to aware `datetime`: RFC 3339 in either case (`2024-03-22t17:48:18z`), a leap
  second (`...:60Z`) as the first instant of the next minute, plus what `datetime.fromisoformat`
  reads (a space instead of `T`, as RFC 3339 §5.6 permits; any number of fractional digits, to
  the microsecond). A date-time without an offset is read as UTC. Dates (`birthdate`) take the
  `YYYY-MM-DD` part.
- Structuring never recurses into untyped values (`metadata`, `extra`), so the depth of a body
  cannot raise `RecursionError`; orjson refuses nesting deeper than 1024 as invalid JSON, and
  msgspec's deeper limit (Python's own, higher from 3.12 on) ends in the same error.

Encoding (`to_dict`, `to_json`) writes what the API would send: known fields, then `extra` merged
back, date-times as UTC with milliseconds and `Z`, dates as `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin

import attrs
from attrs import AttrsInstance

if TYPE_CHECKING:  # annotations only: the models load with the first client, not at import
    from ._models import CustomerUpdate

__all__ = [
    "ResponseShapeError",
    "converter",
    "decode",
    "format_datetime",
    "loads",
    "structure",
    "to_dict",
    "to_json",
    "unstructure_request",
]

T = TypeVar("T")

EXTRA = "extra"
_UTF8_BOM = b"\xef\xbb\xbf"


class ResponseShapeError(Exception):
    """A body that does not fit its model; the message names the model and the JSON path."""


# --- parsing ------------------------------------------------------------------------------


def loads(content: bytes | str) -> Any:
    """Parse a JSON body (success and error bodies alike).

    Args:
        content: the body, UTF-8 (a leading byte order mark is ignored).

    Returns:
        The JSON value as dicts, lists, str, int, float, bool and None.

    Raises:
        ValueError: the body is not JSON, is nested deeper than 1024 levels, or holds a number
            beyond the range of a double (`NaN`, `1e400`). Integers beyond 64 bits become floats,
            as they would in the API's own JavaScript.
    """
    import orjson  # here, as msgspec: with the first body, not with the package (~1.5 ms)

    if isinstance(content, bytes) and content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM) :]
    return orjson.loads(content)


def decode(content: bytes, cls: type[T]) -> T:
    """Decode a JSON body straight into the model `cls`.

    Raises:
        ValueError: the body is not JSON (see `loads`).
        ResponseShapeError: the JSON does not fit `cls`.
    """
    fast = _fast_decoders.get(cls) or _make_fast_decoder(cls)
    try:
        return fast(content)  # type: ignore[no-any-return]
    except _fallback_errors:
        return structure(loads(content), cls)


# --- the general path: a generated structuring function per model ------------------------


class _Mismatch(Exception):
    """Raised by the structuring functions; the JSON path grows (innermost first) on the way out."""

    def __init__(self, problem: str, *path: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = list(path)

    def describe(self, cls: type) -> str:
        where = cls.__name__
        for step in reversed(self.path):
            where += step if step.startswith("[") else f".{step}"
        return f"{where}: {self.problem}"


def structure(data: Any, cls: type[T]) -> T:
    """Build the model `cls` from a parsed JSON value.

    Raises:
        ResponseShapeError: `data` does not fit `cls`; the message names the model and JSON path.
    """
    build = _structurers.get(cls) or _make_structurer(cls)
    try:
        return build(data)  # type: ignore[no-any-return]
    except _Mismatch as exc:
        raise ResponseShapeError(exc.describe(cls)) from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        # Not expected from the generated code; still a misfit, never a raw exception.
        raise ResponseShapeError(f"{cls.__name__}: {exc!r}") from exc


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _expected(what: str, value: Any) -> str:
    return f"expected {what}, got {_kind(value)}"


_LEAP_SECOND = re.compile(r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:)60(.*)")


def _structure_datetime(value: Any) -> datetime:
    if value.__class__ is not str:
        raise _Mismatch(_expected("an RFC 3339 date-time string", value))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_rfc3339(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_rfc3339(value: str) -> datetime:
    """What RFC 3339 allows and `fromisoformat` refuses: lowercase `t`/`z`, a leap second."""
    text = value.upper()
    leap = _LEAP_SECOND.fullmatch(text)
    try:
        if leap is None:
            return datetime.fromisoformat(text)
        return datetime.fromisoformat(f"{leap[1]}59{leap[2]}") + timedelta(seconds=1)
    except (ValueError, OverflowError):  # OverflowError: a leap second ending year 9999
        raise _Mismatch(f"not an RFC 3339 date-time: {value[:40]!r}") from None


def _structure_date(value: Any) -> date:
    if value.__class__ is not str:
        raise _Mismatch(_expected("a YYYY-MM-DD date string", value))
    try:
        # Some accounts hold birthdates as full timestamps; the date part is what matters.
        return date.fromisoformat(value[:10])
    except ValueError:
        raise _Mismatch(f"not a YYYY-MM-DD date: {value[:40]!r}") from None


def _structure_items(value: Any, item: Callable[[Any], Any]) -> list[Any]:
    if value.__class__ is not list:
        raise _Mismatch(_expected("a JSON array", value))
    try:
        return [item(x) for x in value if x is not None]
    except _Mismatch as exc:
        exc.path.append(f"[{_failing_index(value, item)}]")
        raise


def _failing_index(items: list[Any], item: Callable[[Any], Any]) -> int:
    for index, x in enumerate(items):
        try:
            if x is not None:
                item(x)
        except _Mismatch:
            return index
    return -1  # pragma: no cover (only called once an item has failed)


def _structure_entries(value: Any, item: Callable[[Any], Any]) -> dict[str, Any]:
    if value.__class__ is not dict:
        raise _Mismatch(_expected("a JSON object", value))
    out = {}
    for key, x in value.items():
        if x is not None:
            try:
                out[key] = item(x)
            except _Mismatch as exc:
                exc.path.append(f"[{key!r}]")
                raise
    return out


def _structure_strings(value: Any) -> list[str]:
    if value.__class__ is not list:
        raise _Mismatch(_expected("a JSON array", value))
    for index, x in enumerate(value):
        if x.__class__ is not str:
            raise _Mismatch(_expected("str", x), f"[{index}]")
    return value


_CHECKS = {
    str: "{v}.__class__ is not str",
    int: "{v}.__class__ is not int",  # rejects bool: `True.__class__ is bool`
    bool: "{v}.__class__ is not bool",
    float: "{v}.__class__ is not float and {v}.__class__ is not int",
}
_CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    datetime: _structure_datetime,
    date: _structure_date,
}

_structurers: dict[type, Callable[[Any], Any]] = {}


def _optional_inner(annotation: Any) -> Any:
    """`X` for `X | None`, else None."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0]
    return None


def _make_structurer(cls: type) -> Callable[[Any], Any]:
    """Generate `structure_<cls>(data)`: one straight-line function, no per-field dispatch."""
    if not (attrs.has(cls) and EXTRA in attrs.fields_dict(cls)):
        raise TypeError(f"{cls!r} is not a response model")
    attrs.resolve_types(cls)  # the models use `from __future__ import annotations`
    fields = [a for a in attrs.fields(cls) if a.name != EXTRA]
    known = frozenset(a.name for a in fields)
    ns: dict[str, Any] = {
        "_Mismatch": _Mismatch,
        "_expected": _expected,
        "_new": object.__new__,
        "_cls": cls,
        "_known": known,
        "_structure_items": _structure_items,
        "_structure_entries": _structure_entries,
        "_structure_strings": _structure_strings,
    }
    lines = [
        "def structure(d):",
        "    if d.__class__ is not dict:",
        f"        raise _Mismatch(_expected('a JSON object for {cls.__name__}', d))",
    ]
    for index, a in enumerate(fields):
        lines += _field_lines(a, f"v{index}", ns)
    # Slots are filled directly, as pickle and msgspec do: the models have no validators.
    lines.append("    o = _new(_cls)")
    for index, a in enumerate(fields):
        ns[f"set_{index}"] = cls.__dict__[a.name].__set__
        lines.append(f"    set_{index}(o, v{index})")
    ns["set_extra"] = cls.__dict__[EXTRA].__set__
    lines += [
        "    if d.keys() <= _known:",
        "        set_extra(o, {})",
        "    else:",
        "        set_extra(o, {k: x for k, x in d.items() if k not in _known})",
        "    return o",
    ]
    exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), ns)
    function: Callable[[Any], Any] = ns["structure"]
    _structurers[cls] = function
    return function


def _field_lines(a: attrs.Attribute[Any], v: str, ns: dict[str, Any]) -> list[str]:
    """The lines that read field `a` of dict `d` into local `v`, checked and converted."""
    name = a.name
    annotation = a.type
    inner = _optional_inner(annotation)
    nullable = inner is not None or annotation is Any
    kind: Any = inner if inner is not None else annotation
    lines = [f"    {v} = d.get({name!r})"]

    def fail(what: str) -> str:
        return f"raise _Mismatch(_expected({what!r}, {v}), {name!r})"

    def convert(function: Callable[[Any], Any]) -> list[str]:
        ns[f"convert_{v}"] = function
        return [
            "        try:",
            f"            {v} = convert_{v}({v})",
            "        except _Mismatch as exc:",
            f"            exc.path.append({name!r})",
            "            raise",
        ]

    if kind is Any:
        return lines
    if nullable:
        lines.append(f"    if {v} is not None:")
    elif a.default is attrs.NOTHING:
        missing = f"raise _Mismatch('required, got null or nothing', {name!r})"
        lines += [f"    if {v} is None:", f"        {missing}", "    else:"]
    else:
        # A null in a field that cannot hold None means "absent" (spec NOTES §9.5).
        default: Any = a.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            ns[f"default_{v}"] = default.factory
            lines += [f"    if {v} is None:", f"        {v} = default_{v}()", "    else:"]
        else:
            ns[f"default_{v}"] = default
            lines += [f"    if {v} is None:", f"        {v} = default_{v}", "    else:"]
    if kind in _CHECKS:
        lines += [
            f"        if {_CHECKS[kind].format(v=v)}:",
            f"            {fail(kind.__name__)}",
        ]
    elif kind in _CONVERTERS:
        lines += convert(_CONVERTERS[kind])
    elif attrs.has(kind):
        lines += convert(_structurers.get(kind) or _make_structurer(kind))
    elif kind == dict[str, Any]:
        lines += [
            f"        if {v}.__class__ is not dict:",
            f"            {fail('a JSON object')}",
        ]
    elif get_origin(kind) is list and attrs.has(get_args(kind)[0]):
        item = _structurers.get(get_args(kind)[0]) or _make_structurer(get_args(kind)[0])
        lines += convert(lambda value: _structure_items(value, item))
    elif get_origin(kind) is dict and attrs.has(get_args(kind)[1]):
        item = _structurers.get(get_args(kind)[1]) or _make_structurer(get_args(kind)[1])
        lines += convert(lambda value: _structure_entries(value, item))
    elif kind == list[str]:
        lines += convert(_structure_strings)
    else:
        raise TypeError(f"no structuring for {a.name}: {annotation!r}")
    return lines


# --- the fast path: msgspec, straight into the attrs classes ------------------------------

_fast_decoders: dict[type, Callable[[bytes], Any]] = {}
# msgspec's errors, once it is imported; RecursionError: msgspec refuses deep nesting that way.
_fallback_errors: tuple[type[BaseException], ...] = (RecursionError,)


def _make_fast_decoder(cls: type) -> Callable[[bytes], Any]:
    """The msgspec decoders for `cls`, built on first use (msgspec is imported then, not at import).

    msgspec into attrs drops unknown keys and keeps date-times without offset naive, so a census
    over mirror structs that forbid unknown keys and require an offset runs first; the general
    path takes any body either pass refuses.
    """
    global _fallback_errors
    import msgspec

    _fallback_errors = (msgspec.MsgspecError, RecursionError)
    census = msgspec.json.Decoder(_census_struct(cls, {})).decode
    models: Callable[[bytes], Any] = msgspec.json.Decoder(cls).decode

    def fast(content: bytes) -> Any:
        census(content)
        return models(content)

    _fast_decoders[cls] = fast
    return fast


def _census_struct(cls: type, made: dict[type, Any]) -> Any:
    import msgspec

    if cls in made:
        return made[cls]
    attrs.resolve_types(cls)

    def mirror(annotation: Any) -> Any:
        if attrs.has(annotation):
            return _census_struct(annotation, made)
        if annotation is datetime:
            return Annotated[datetime, msgspec.Meta(tz=True)]
        args = get_args(annotation)
        if not args:
            return annotation
        mirrored = tuple(mirror(arg) for arg in args)
        if get_origin(annotation) in (Union, types.UnionType):
            return Union[mirrored]  # noqa: UP007 (a runtime-built union)
        return get_origin(annotation)[mirrored]

    fields = [(a.name, mirror(a.type) | None, None) for a in attrs.fields(cls) if a.name != EXTRA]
    struct = msgspec.defstruct(
        f"{cls.__name__}Census", fields, kw_only=True, forbid_unknown_fields=True, gc=False
    )
    made[cls] = struct
    return struct


# --- encoding -----------------------------------------------------------------------------


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


def to_dict(model: AttrsInstance, *, exclude_none: bool = False) -> dict[str, Any]:
    """A model as the JSON object the API sends: a dict ready for `json.dumps` or a web framework.

    Known fields come first, then the fields kept in `extra`; date-times are UTC with milliseconds
    and `Z` (`2024-03-22T17:48:18.570Z`), dates `YYYY-MM-DD`, nested models dicts. The result is
    a fresh copy: changing it leaves the model alone; decoding it gives back an equal model.

    Args:
        model: any voucherify_async model (`Customer`, `CustomersPage`, `Address`, ...).
        exclude_none: leave out fields whose value is None (in nested models and `extra` too;
            a None inside `metadata` is data, and is kept).

    Returns:
        A dict of JSON values (dict, list, str, int, float, bool, None).

    Raises:
        TypeError: `model` is not a voucherify_async model.
        ValueError: a date-time in it is naive (without a timezone), so its instant is unknown.
    """
    encode = _encoders.get(type(model)) or _make_encoder(type(model))
    return encode(model, exclude_none)


def to_json(model: AttrsInstance, *, exclude_none: bool = False, indent: bool = False) -> str:
    """A model as the JSON text the API sends (see `to_dict`), UTF-8 characters unescaped.

    Args:
        model: any voucherify_async model.
        exclude_none: leave out fields whose value is None.
        indent: indent nested values by two spaces, for people to read.

    Returns:
        The JSON text, compact unless `indent`.

    Raises:
        TypeError: `model` is not a voucherify_async model, or holds a value JSON cannot (a
            `metadata` key that is not a string, nesting deeper than 254 levels).
        ValueError: a date-time in it is naive (without a timezone).
    """
    import orjson

    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(to_dict(model, exclude_none=exclude_none), option=option).decode()


def _encode_value(value: Any, exclude_none: bool) -> Any:
    """Any value as JSON values: models, date-times and dates encoded, containers copied."""
    cls = value.__class__
    if cls is str or cls is int or cls is float or cls is bool or value is None:
        return value
    if cls is dict or isinstance(value, Mapping):
        return {key: _encode_value(item, exclude_none) for key, item in value.items()}
    if cls is list or cls is tuple:
        return [_encode_value(item, exclude_none) for item in value]
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(cls):
        return to_dict(value, exclude_none=exclude_none)
    return value


_encoders: dict[type, Callable[[Any, bool], dict[str, Any]]] = {}


def _make_encoder(cls: type) -> Callable[[Any, bool], dict[str, Any]]:
    """Generate `encode_<cls>(model, exclude_none)`, one straight-line function per model."""
    if not attrs.has(cls):
        raise TypeError(f"expected a voucherify_async model, got {cls.__name__}")
    attrs.resolve_types(cls)
    fields = [a for a in attrs.fields(cls) if a.name != EXTRA]
    ns: dict[str, Any] = {
        "_encode_value": _encode_value,
        "_format_datetime": format_datetime,
        "_known": frozenset(a.name for a in fields),
    }
    lines = ["def encode(o, exclude_none):", "    out = {}"]
    for index, a in enumerate(fields):
        v = f"v{index}"
        lines += [
            f"    {v} = o.{a.name}",
            f"    if {v} is not None:",
            f"        out[{a.name!r}] = {_encode_expression(a.type, v, ns)}",
            "    elif not exclude_none:",
            f"        out[{a.name!r}] = None",
        ]
    if EXTRA in attrs.fields_dict(cls):
        lines += [
            "    for k, x in o.extra.items():",
            "        if k not in _known and (x is not None or not exclude_none):",
            "            out[k] = _encode_value(x, exclude_none)",
        ]
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<encode {cls.__qualname__}>", "exec"), ns)
    function: Callable[[Any, bool], dict[str, Any]] = ns["encode"]
    _encoders[cls] = function
    return function


def _encode_expression(annotation: Any, v: str, ns: dict[str, Any]) -> str:
    kind = _optional_inner(annotation) or annotation
    if kind in (str, int, float, bool):
        return v
    if kind is datetime:
        return f"_format_datetime({v})"
    if kind is date:
        return f"{v}.isoformat()"
    if attrs.has(kind):
        ns[f"encode_{v}"] = _encoders.get(kind) or _make_encoder(kind)
        return f"encode_{v}({v}, exclude_none)"
    if get_origin(kind) is list and attrs.has(get_args(kind)[0]):
        ns[f"encode_{v}"] = _encoders.get(get_args(kind)[0]) or _make_encoder(get_args(kind)[0])
        return f"[encode_{v}(x, exclude_none) for x in {v}]"
    if get_origin(kind) is dict and attrs.has(get_args(kind)[1]):
        ns[f"encode_{v}"] = _encoders.get(get_args(kind)[1]) or _make_encoder(get_args(kind)[1])
        return f"{{k: encode_{v}(x, exclude_none) for k, x in {v}.items()}}"
    return f"_encode_value({v}, exclude_none)"


class _Converter:
    """The conversions the rest of the SDK calls, under the name the cattrs converter had."""

    structure = staticmethod(structure)

    @staticmethod
    def unstructure(value: Any) -> Any:
        """Encode a request value: models without their None fields, dates and date-times."""
        return _encode_value(value, True)


converter = _Converter()


def unstructure_request(record: CustomerUpdate | Mapping[str, Any]) -> dict[str, Any]:
    """Encode a request record as JSON-ready values, leaving out model fields that are None.

    A mapping's values are encoded too, so dates, datetimes and `Address` objects inside it are
    encoded as they are in a `CustomerUpdate` (json.dumps would reject them).
    """
    out: dict[str, Any] = _encode_value(
        dict(record) if isinstance(record, Mapping) else record, True
    )
    return out

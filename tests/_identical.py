"""`assert_identical`: two decoded values equal all the way down, `extra` and types included."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs


def assert_identical(a: Any, b: Any, where: str, *, same_offsets: bool = True) -> None:
    """Same values and types all the way down, `extra` included (model equality skips it).

    `same_offsets=False` lets equal instants differ in their UTC offset (an encoded date-time is
    written in UTC).
    """
    assert type(a) is type(b), where
    if attrs.has(type(a)):
        for field in attrs.fields(type(a)):
            assert_identical(
                getattr(a, field.name),
                getattr(b, field.name),
                f"{where}.{field.name}",
                same_offsets=same_offsets,
            )
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_identical(a[key], b[key], f"{where}[{key!r}]", same_offsets=same_offsets)
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_identical(x, y, f"{where}[{index}]", same_offsets=same_offsets)
    else:
        assert a == b, where
        if same_offsets and isinstance(a, datetime):
            assert a.utcoffset() == b.utcoffset(), where

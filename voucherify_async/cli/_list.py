"""`customers list`: one page of customers as a table, or in the export's formats."""

from __future__ import annotations

from typing import IO, Final

from .._convert import to_dict
from .._models import Customer
from ._export import FORMATS, _Writer

LIST_FORMATS: Final = ("table", *FORMATS)

TABLE_COLUMNS: Final = ("id", "source_id", "name", "email", "city", "created_at")
"""The table's columns: enough to recognise a customer; `jsonl` has every field."""


def write_page(stream: IO[str], fmt: str, customers: list[Customer]) -> None:
    """Write `customers` to `stream` as one of `LIST_FORMATS` (jsonl and csv as the export does)."""
    if fmt != "table":
        _Writer(stream, fmt).write(customers)
        return
    rows = [TABLE_COLUMNS, *(_table_row(customer) for customer in customers)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(TABLE_COLUMNS))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        stream.write("  ".join(cells).rstrip() + "\n")


def _table_row(customer: Customer) -> tuple[str, ...]:
    wire = to_dict(customer)  # the API's own text for each value (e.g. datetimes)
    wire["city"] = (wire.get("address") or {}).get("city")
    return tuple(_cell(wire.get(column)) for column in TABLE_COLUMNS)


def _cell(value: object) -> str:
    """A value on one line: a name with a newline or a tab must not break the table's rows."""
    text = "" if value is None else str(value)
    return " ".join(text.split()) if any(c in text for c in "\r\n\t") else text

"""`customers export`: walk `iter_all` page by page and write JSON lines or CSV as it goes."""

from __future__ import annotations

import csv
import json
import time
from typing import IO, Any, Final, TypedDict

from tqdm import tqdm

from .._client import AsyncClient
from .._convert import to_dict
from .._models import Customer

FORMATS: Final = ("jsonl", "csv")

CSV_COLUMNS: Final = (
    "id",
    "source_id",
    "name",
    "email",
    "phone",
    "description",
    "birthdate",
    "address_line_1",
    "address_line_2",
    "address_postal_code",
    "address_city",
    "address_state",
    "address_country",
    "created_at",
    "updated_at",
    "metadata",
)
"""The CSV header: the customer's fields, the address flattened, `metadata` as one JSON text."""


class Filters(TypedDict, total=False):
    """The list filters and order of an export, under `Customers.list`'s argument names."""

    email: str | None
    city: str | None
    name: str | None
    segment_id: str | None
    created_at_after: str | None
    created_at_before: str | None
    updated_at_after: str | None
    updated_at_before: str | None
    order: str | None


class _Writer:
    """Writes customers to a text stream in one of `FORMATS`."""

    def __init__(self, stream: IO[str], fmt: str) -> None:
        self._stream = stream
        self._csv = csv.writer(stream) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, customers: list[Customer]) -> None:
        rows = [to_dict(customer, exclude_none=True) for customer in customers]
        if self._csv is None:
            self._stream.write(
                "".join(
                    json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                    for row in rows
                )
            )
        else:
            self._csv.writerows(_csv_row(row) for row in rows)


def _csv_row(row: dict[str, Any]) -> list[str]:
    address = row.get("address") or {}
    values = {**{f"address_{key}": value for key, value in address.items()}, **row}
    values["metadata"] = json.dumps(row.get("metadata") or {}, ensure_ascii=False)
    return ["" if values.get(column) is None else str(values[column]) for column in CSV_COLUMNS]


async def export_customers(
    client: AsyncClient,
    stream: IO[str],
    *,
    fmt: str,
    filters: Filters,
    max_items: int | None,
    progress: bool,
) -> tuple[int, float]:
    """Write every customer matching `filters` to `stream`; return the count and seconds taken.

    One page is held in memory at a time (plus the one being prefetched). The progress bar's
    total is the API's `total` for the filters, read from the walk's first page: the export
    sends the walk's page requests and no other.
    """
    started = time.monotonic()
    writer = _Writer(stream, fmt)
    count = 0
    async with client.customers.iter_all(limit=100, max_items=max_items, **filters) as pager:
        await pager.start()
        total = pager.total
        if max_items is not None and total is not None:
            total = min(total, max_items)
        with tqdm(
            total=total,
            unit=" customers",
            disable=not progress,
            dynamic_ncols=True,
            smoothing=0.1,
            mininterval=0.2,
        ) as bar:
            async for page in pager.pages():
                writer.write(page)
                count += len(page)
                bar.update(len(page))
    stream.flush()
    return count, time.monotonic() - started

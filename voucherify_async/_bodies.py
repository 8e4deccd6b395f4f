"""Request bodies of the customers endpoints, built and checked before anything is sent.

The JSON bodies of create/update, of the bulk upserts and of the consents endpoints are encoded
here, so `update_in_bulk` and `bulk_update` check and encode each record once, in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Mapping
from datetime import date
from typing import Any, Final

from ._convert import converter, unstructure_request
from ._models import Address, CustomerUpdate
from ._params import check_json_value, check_text, encode_date, is_text, shown
from ._types import NOT_GIVEN

__all__ = [
    "MAX_BULK_RECORDS",
    "BulkRecord",
    "BulkRecords",
    "address_body",
    "bulk_body",
    "bulk_record",
    "check_records",
    "consents_body",
    "customer_body",
    "metadata_body",
    "names_a_customer",
    "source_ids_body",
]

BulkRecord = CustomerUpdate | Mapping[str, Any]
"""One record of a bulk update: a `CustomerUpdate` or a mapping with a `source_id`."""

BulkRecords = Iterable[BulkRecord] | AsyncIterable[BulkRecord]
"""The records of `bulk_update`: an iterable or an async iterable of `BulkRecord`s."""

MAX_BULK_RECORDS: Final = 100
"""The most records one `POST /v1/customers/bulk/async` takes."""

_UPSERT_KEYS: Final = ("id", "source_id")


def customer_body(**fields: Any) -> dict[str, Any]:
    """The JSON body of create/update: only the fields the caller passed (None sends null)."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is NOT_GIVEN:
            continue
        if value is None:
            body[name] = None
        elif name in ("birthdate", "birthday"):
            body[name] = encode_date(value, name)
        elif name == "address":
            body[name] = address_body(value)
        elif name == "metadata":
            body[name] = metadata_body(value)
        else:
            body[name] = check_text(value, name)
    return body


def names_a_customer(body: Mapping[str, Any]) -> bool:
    """Whether a create body names its customer (`id` or `source_id`), making it an upsert.

    Repeating such a request updates the same customer again, so it may be replayed.
    """
    return any(body.get(key) for key in _UPSERT_KEYS)


def metadata_body(value: object) -> dict[str, Any]:
    """A metadata mapping as JSON (create/update and the metadata bulk update).

    Raises:
        TypeError: for a value that is not a mapping.
        ValueError: for a naive datetime or a NaN/infinite float anywhere inside, naming its
            key path (`metadata.nested.v`).
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"metadata must be a mapping, got {type(value).__name__}")
    check_json_value(value, "metadata")
    out: dict[str, Any] = converter.unstructure(dict(value))
    return out


def address_body(value: object) -> dict[str, Any]:
    """An `Address` or a mapping, as JSON (checked like metadata, as `address.<key>`)."""
    check_json_value(value, "address")
    if isinstance(value, Address):
        out: dict[str, Any] = converter.unstructure(value)
        return out
    if isinstance(value, Mapping):
        out = converter.unstructure(dict(value))  # dates inside go as JSON strings
        return out
    raise TypeError(f"address must be an Address or a mapping, got {type(value).__name__}")


def check_records(records: object, *, asynchronous: bool = False) -> None:
    """Refuse a single record (a mapping), a string or a non-iterable where records belong.

    Args:
        records: the caller's records.
        asynchronous: whether an async iterable is accepted too (`bulk_update`).
    """
    if isinstance(records, Mapping | str | bytes):
        raise TypeError("records must be an iterable of records, not a single record")
    kinds = (Iterable, AsyncIterable) if asynchronous else (Iterable,)
    if not isinstance(records, kinds):
        raise TypeError(f"records must be an iterable of records, got {type(records).__name__}")


def source_ids_body(source_ids: object) -> list[str]:
    """The `source_ids` of the metadata bulk update: a list of at least one non-empty string."""
    if isinstance(source_ids, str | bytes) or not isinstance(source_ids, Iterable):
        raise TypeError(f"source_ids must be a list of strings, got {type(source_ids).__name__}")
    ids = list(source_ids)
    if not ids:
        raise ValueError("source_ids must hold at least one source_id")
    for index, source_id in enumerate(ids):
        if not isinstance(source_id, str) or not source_id or not is_text(source_id):
            raise ValueError(f"source_ids[{index}] must be a non-empty string")
    return ids


def bulk_record(record: object, index: int) -> dict[str, Any]:
    """One record of a bulk upsert as JSON; `index` (its place in the input) names it in errors."""
    if not isinstance(record, CustomerUpdate | Mapping):
        raise TypeError(
            f"records[{index}] must be a CustomerUpdate or a mapping, got {type(record).__name__}"
        )
    check_json_value(record, f"records[{index}]")
    body = unstructure_request(record)
    source_id = body.get("source_id")
    if not isinstance(source_id, str) or not source_id:
        raise ValueError(f"records[{index}].source_id is required (a non-empty string)")
    for name in ("birthdate", "birthday"):
        if isinstance(body.get(name), date):
            body[name] = encode_date(body[name], f"records[{index}].{name}")
    if isinstance(body.get("address"), Address):
        body["address"] = address_body(body["address"])
    return body


def bulk_body(records: Iterable[object], *, start: int = 0) -> list[dict[str, Any]]:
    """The JSON array of one bulk upsert: 1 to `MAX_BULK_RECORDS` records.

    Args:
        records: the records, each checked by `bulk_record`.
        start: the index of the first record in the caller's whole input, for the errors.

    Raises:
        TypeError: for a single record instead of an iterable, or a record of the wrong type.
        ValueError: for no records, too many, or a record without `source_id`.
    """
    check_records(records)
    body = []
    for offset, record in enumerate(records):
        if offset >= MAX_BULK_RECORDS:
            raise ValueError(f"records holds more than {MAX_BULK_RECORDS} records")
        body.append(bulk_record(record, start + offset))
    if not body:
        raise ValueError("records must hold at least one record")
    return body


def consents_body(consents: object) -> dict[str, bool]:
    """The JSON body of the consents endpoints: `{consent_id: bool}`, at least one."""
    if not isinstance(consents, Mapping):
        raise TypeError(f"consents must be a mapping, got {type(consents).__name__}")
    if not consents:
        raise ValueError("consents must name at least one consent (or 'unsubscribed')")
    for key, value in consents.items():
        if not isinstance(key, str) or not key or not is_text(key):
            raise ValueError(f"consents keys must be non-empty strings, got {shown(key)}")
        if not isinstance(value, bool):
            raise TypeError(f"consents[{key!r}] must be a bool, got {type(value).__name__}")
    return dict(consents)

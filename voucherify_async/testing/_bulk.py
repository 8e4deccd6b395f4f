"""The asynchronous bulk endpoints: CSV import, bulk update, metadata update, async actions.

The fake applies every change at once when the request arrives and records an async action
that reports `DONE` (after `polls_before_done` polls reporting `IN_PROGRESS`). All
customers written by one request share one timestamp, as a real bulk import does.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ._customers import validate_changes
from ._errors import FakeAPIError, invalid_payload, not_found
from ._store import Store
from ._wire import wire_datetime

MAX_BODY_BYTES = 10 * 1024 * 1024

_CSV_COLUMNS = {
    "id": "id",
    "name": "name",
    "email": "email",
    "phone": "phone",
    "birthdate": "birthdate",
    "source_id": "source_id",
    "description": "description",
}
_CSV_ADDRESS = {
    "address_line_1": "line_1",
    "address_line_2": "line_2",
    "address_postal_code": "postal_code",
    "address_city": "city",
    "address_state": "state",
    "address_country": "country",
}


class BodyTooLarge(Exception):
    """Raised for bodies over 10 MB; answered with the API's 413 `BadRequest` body."""

    body: ClassVar[dict[str, object]] = {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": f"Payload content length greater than maximum allowed: {MAX_BODY_BYTES}",
    }


class FakeAsyncActions:
    """Creates and reports async actions over one `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.polls_before_done = 0
        self._polls: dict[str, int] = {}

    def _record(self, kind: str, result: dict[str, Any], request_id: str, at: datetime) -> str:
        action_id = self.store.ids.hex_id("aa_", at)
        self.store.async_actions[action_id] = {
            "id": action_id,
            "type": kind,
            "status": "DONE",
            "result": result,
            "created_at": wire_datetime(at),
            "updated_at": wire_datetime(at + timedelta(milliseconds=125)),
            "request_id": request_id,
            "progress": 100,
            "processing_time": 125,
            "object": "async_action",
        }
        if kind != "CUSTOMERS.IMPORT_CSV":
            self.store.async_actions[action_id]["operation_status"] = "SUCCESS"
        return action_id

    def get(self, action_id: str) -> dict[str, Any]:
        """Return GET /v1/async-actions/{id}: `IN_PROGRESS` for the first polls, then `DONE`.

        Raises:
            FakeAPIError: 404 `not_found` (resource type `async_action`).
        """
        action = self.store.async_actions.get(action_id)
        if action is None:
            raise not_found("async_action", action_id)
        seen = self._polls.get(action_id, 0)
        self._polls[action_id] = seen + 1
        if seen < self.polls_before_done:
            pending = {k: v for k, v in action.items() if k not in ("result", "operation_status")}
            pending.update(status="IN_PROGRESS", progress=50)
            return pending
        return dict(action)

    def _reports_result(
        self, done: int, errors: list[dict[str, Any]], at: datetime
    ) -> dict[str, Any]:
        return {
            "done_count": done,
            "failed_count": len(errors),
            "reports": [f"https://voucherify.test/reports/{wire_datetime(at)}.csv"],
            "reports_available_till": wire_datetime(at + timedelta(days=7)),
            "errors": errors,
        }

    def bulk_update(self, body: Any, request_id: str) -> str:
        """Upsert each `{source_id, ...}` item of a POST /v1/customers/bulk/async array.

        Raises:
            FakeAPIError: 400 `invalid_payload` when the body is not an array of objects
                each with a string `source_id` (nothing is applied then).
        """
        if not isinstance(body, list):
            raise invalid_payload("The payload must be an array of customers")
        items = []
        for index, item in enumerate(body):
            where = f"[{index}]."
            if not isinstance(item, dict):
                raise invalid_payload(f"[{index}]: must be an object")
            if not isinstance(item.get("source_id"), str):
                raise invalid_payload(f"{where}source_id: property is required, must be a string")
            items.append((item["source_id"], validate_changes(item, where=where)))
        at = self.store.now()
        for source_id, changes in items:
            self._upsert(source_id, changes, at)
        return self._record(
            "CUSTOMERS.BULK_UPDATE", self._reports_result(len(items), [], at), request_id, at
        )

    def metadata_update(self, body: Any, request_id: str) -> str:
        """Merge `metadata` into every customer of `source_ids` (creating unknown ones).

        Raises:
            FakeAPIError: 400 `invalid_payload` without a `source_ids` string array and a
                `metadata` object.
        """
        if not isinstance(body, dict):
            raise invalid_payload("The payload must be an object")
        source_ids, metadata = body.get("source_ids"), body.get("metadata")
        if not isinstance(source_ids, list) or not all(isinstance(s, str) for s in source_ids):
            raise invalid_payload("source_ids: property is required, must be an array of strings")
        if not isinstance(metadata, dict):
            raise invalid_payload("metadata: property is required, must be an object")
        at = self.store.now()
        for source_id in source_ids:
            self._upsert(source_id, {}, at).merge_metadata(metadata, at)
        result = self._reports_result(len(source_ids), [], at)
        return self._record("CUSTOMERS.METADATA_UPDATE", result, request_id, at)

    def import_csv(self, content: bytes, request_id: str) -> str:
        """Apply a customers CSV (header row required; unknown columns become metadata).

        Rows that fail (a bad birthdate, an unknown `Id`) are reported in the action's
        `failed` list with their 1-based row number; the other rows are applied.

        Raises:
            FakeAPIError: 400 `invalid_payload` when the file is not UTF-8 CSV with a header.
        """
        try:
            reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
            rows = list(reader)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise invalid_payload(f"file: cannot read CSV ({exc})") from None
        if not reader.fieldnames:
            raise invalid_payload("file: the CSV needs a header row")
        at = self.store.now()
        failed: list[dict[str, Any]] = []
        for number, row in enumerate(rows, start=1):
            body = _csv_row_body(row)
            try:
                self.store.upsert(body, at=at)
            except FakeAPIError as exc:
                failed.append(
                    {"source_id": body.get("source_id") or "", "row": number, "reason": exc.details}
                )
        done = len(rows) - len(failed)
        result = {
            "message": f"{done} customer(s) imported successfully, {len(failed)} failed.",
            "failed": failed,
            "done_count": done,
            "failed_count": len(failed),
        }
        return self._record("CUSTOMERS.IMPORT_CSV", result, request_id, at)

    def _upsert(self, source_id: str, changes: dict[str, Any], at: datetime) -> Any:
        customer_id = self.store.by_source_id.get(source_id)
        if customer_id is None:
            return self.store.insert(changes, source_id=source_id, at=at)
        record = self.store.customers[customer_id]
        record.apply(changes, at)
        return record


def _csv_row_body(row: dict[str | Any, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    address: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for column, value in row.items():
        if not isinstance(column, str) or value is None or value == "":
            continue
        key = column.strip().lower()
        if key in _CSV_COLUMNS:
            body[_CSV_COLUMNS[key]] = value
        elif key in _CSV_ADDRESS:
            address[_CSV_ADDRESS[key]] = value
        else:
            metadata[column.strip()] = value
    if address:
        body["address"] = address
    if metadata:
        body["metadata"] = metadata
    return body

"""Customer records: validation of write bodies, merge rules and the wire rendering."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._errors import invalid_payload
from ._wire import is_date, wire_datetime

STRING_FIELDS = ("name", "description", "email", "phone")
DATE_FIELDS = ("birthdate", "birthday")
ADDRESS_FIELDS = ("city", "state", "line_1", "line_2", "country", "postal_code")
WRITABLE_FIELDS = (*STRING_FIELDS, *DATE_FIELDS, "address", "metadata")


@dataclass
class CustomerRecord:
    """One stored customer: its id, writable fields and timestamps (millisecond precision)."""

    id: str
    created_at: datetime
    updated_at: datetime
    source_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    consents: dict[str, bool] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        """Return the customer as the API renders it (`address` is `null` when unset)."""
        body: dict[str, Any] = {"id": self.id}
        if self.source_id is not None:
            body["source_id"] = self.source_id
        for name in (*STRING_FIELDS, *DATE_FIELDS):
            if name in self.fields:
                body[name] = self.fields[name]
        body["address"] = copy.deepcopy(self.fields.get("address"))
        body["summary"] = _empty_summary()
        body["loyalty"] = {"points": 0, "referred_customers": 0, "campaigns": {}}
        body["referrals"] = {"total": 0, "campaigns": []}
        if "metadata" in self.fields:
            body["metadata"] = copy.deepcopy(self.fields["metadata"])
        body["system_metadata"] = {}
        body["created_at"] = wire_datetime(self.created_at)
        body["updated_at"] = wire_datetime(self.updated_at)
        body["assets"] = {"cockpit_url": f"https://voucherify.test/cockpit/{self.id}"}
        body["object"] = "customer"
        return body

    def apply(self, changes: dict[str, Any], at: datetime) -> None:
        """Merge validated `changes`: given fields replace, `None` clears, others stay."""
        for name, value in changes.items():
            if value is None:
                self.fields.pop(name, None)
            else:
                self.fields[name] = copy.deepcopy(value)
        self.updated_at = at

    def merge_metadata(self, metadata: dict[str, Any], at: datetime) -> None:
        """Merge `metadata` keys into the customer's metadata (metadata bulk update)."""
        merged = dict(self.fields.get("metadata") or {})
        merged.update(copy.deepcopy(metadata))
        self.fields["metadata"] = merged
        self.updated_at = at


def _empty_summary() -> dict[str, Any]:
    return {
        "redemptions": {
            "total_redeemed": 0,
            "total_failed": 0,
            "total_succeeded": 0,
            "total_rolled_back": 0,
            "total_rollback_failed": 0,
            "total_rollback_succeeded": 0,
            "gift": {"redeemed_amount": 0, "amount_to_go": 0},
            "loyalty_card": {"redeemed_points": 0, "points_to_go": 0},
        },
        "orders": {
            "total_amount": 0,
            "total_count": 0,
            "average_amount": 0,
            "last_order_amount": 0,
        },
    }


def validate_changes(body: Any, *, where: str = "") -> dict[str, Any]:
    """Check a customer write body and return its writable fields (`id`/`source_id` excluded).

    `None` is accepted for every field and means "clear it" (the strict spec does not allow
    `null`; the API's production spec does).

    Raises:
        FakeAPIError: 400 `invalid_payload` naming the offending property.
    """
    if not isinstance(body, dict):
        raise invalid_payload(f"{where or 'body'}: must be an object")
    changes: dict[str, Any] = {}
    for name in WRITABLE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        path = f"{where}{name}"
        if value is None:
            changes[name] = None
        elif name in STRING_FIELDS and not isinstance(value, str):
            raise invalid_payload(f"{path}: must be a string")
        elif name in DATE_FIELDS and not (isinstance(value, str) and is_date(value)):
            raise invalid_payload(f"{path}: must be a date in format YYYY-MM-DD")
        elif name == "metadata" and not isinstance(value, dict):
            raise invalid_payload(f"{path}: must be an object")
        elif name == "address":
            changes[name] = _validate_address(value, path)
            continue
        changes[name] = value
    for name in ("id", "source_id"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid_payload(f"{where}{name}: must be a string")
    return changes


def _validate_address(value: Any, path: str) -> dict[str, Any] | None:
    """Return the address's known parts; `None` (clear it) when no part is left.

    A `null` part is left out, as a `null` field is cleared (NOTES §9.5: the API takes
    `null` everywhere); an address is stored whole, replacing the previous one.
    """
    if not isinstance(value, dict):
        raise invalid_payload(f"{path}: must be an object")
    address: dict[str, Any] = {}
    for name, part in value.items():
        if name not in ADDRESS_FIELDS or part is None:
            continue
        if not isinstance(part, str):
            raise invalid_payload(f"{path}.{name}: must be a string")
        address[name] = part
    return address or None

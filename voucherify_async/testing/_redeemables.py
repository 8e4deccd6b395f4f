"""Customer redeemables (holder records) and the `filters` deepObject query of their list.

`filters` arrives as bracket paths with indexed array items, the Voucherify convention:

```text
filters[holder_role][conditions][$is]=OWNER
filters[campaign_type][conditions][$in][0]=LOYALTY_PROGRAM
filters[junction]=or
```

Other shapes (`[$in][]`, a missing `[conditions]`) are rejected with 400
`invalid_query_params`, as the API does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._errors import invalid_query
from ._query import FakeQuery
from ._wire import parse_datetime, wire_datetime

STRING_FIELDS = frozenset(
    {
        *("id", "redeemable_id", "campaign_id", "redeemable_object"),
        *("holder_role", "campaign_type", "voucher_type"),
    }
)
STRING_OPERATORS = frozenset(
    {
        *("$in", "$not_in", "$is", "$is_not", "$has_value", "$is_unknown"),
        *("$starts_with", "$ends_with", "$contains", "$not_contain"),
    }
)
DATE_OPERATORS = frozenset({"$after", "$before", "$has_value", "$is_unknown"})
DAYS_OPERATORS = frozenset({"$more_than", "$less_than"})
LIST_OPERATORS = frozenset({"$in", "$not_in"})

_PATH = re.compile(
    r"^filters\[(?P<field>[^\[\]]+)\](?:\[conditions\]\[(?P<op>\$[a-z_]+)\])?"
    r"(?:\[(?P<index>\d+)\])?$"
)

Conditions = dict[str, dict[str, Any]]


@dataclass
class Holder:
    """One redeemable held by a customer (a voucher, in the fake)."""

    id: str
    customer_id: str
    created_at: datetime
    holder_role: str
    campaign_id: str | None
    campaign_type: str | None
    voucher_type: str
    voucher_id: str
    code: str
    campaign_name: str

    def value(self, field: str) -> str | None:
        """Return the value a string filter on `field` compares with."""
        if field == "redeemable_id":
            return self.voucher_id
        if field == "redeemable_object":
            return "voucher"
        found: str | None = getattr(self, field)
        return found

    def render(self) -> dict[str, Any]:
        """Return the holder as a `CustomerRedeemable` object (with the API's usual nulls)."""
        voucher_at = wire_datetime(self.created_at)
        voucher: dict[str, Any] = {
            "id": self.voucher_id,
            "code": self.code,
            "campaign": self.campaign_name,
            "campaign_id": self.campaign_id,
            "category": None,
            "category_id": None,
            "categories": [],
            "type": self.voucher_type,
            "discount": {"type": "AMOUNT", "amount_off": 1000},
            "gift": None,
            "loyalty_card": None,
            "start_date": None,
            "expiration_date": None,
            "validity_timeframe": None,
            "validity_hours": None,
            "validity_day_of_week": None,
            "active": True,
            "additional_info": None,
            "metadata": {},
            "is_referral_code": self.holder_role != "OWNER",
            "created_at": voucher_at,
            "updated_at": voucher_at,
            "holder_id": self.customer_id,
            "redemption": {
                "quantity": None,
                "redeemed_quantity": 0,
                "object": "list",
                "url": f"/v1/vouchers/{self.code}/redemptions?page=1&limit=10",
            },
            "publish": {
                "object": "list",
                "count": 1,
                "url": f"/v1/vouchers/{self.code}/publications?page=1&limit=10",
            },
            "object": "voucher",
        }
        return {
            "id": self.id,
            "created_at": wire_datetime(self.created_at),
            "redeemable_id": self.voucher_id,
            "redeemable_object": "voucher",
            "customer_id": self.customer_id,
            "holder_role": self.holder_role,
            "campaign_id": self.campaign_id,
            "campaign_type": self.campaign_type,
            "voucher_type": self.voucher_type,
            "redeemable": {"type": "voucher", "voucher": voucher, "status": "ACTIVE"},
        }


def parse_filters(query: FakeQuery) -> tuple[Conditions, str]:
    """Collect `filters[...]` parameters into `{field: {operator: value}}` and a junction.

    Raises:
        FakeAPIError: 400 `invalid_query_params` for a malformed path, unknown field or
            operator, or an unparsable date.
    """
    conditions: Conditions = {}
    junction = "and"
    indexed: dict[tuple[str, str], dict[int, str]] = {}
    for name, value in query.pairs:
        if not name.startswith("filters["):
            continue
        match = _PATH.match(name)
        if match is None:
            raise _bad_path(name)
        field, operator, index = match["field"], match["op"], match["index"]
        if field == "junction" and operator is None and index is None:
            if value.lower() not in ("and", "or"):
                raise invalid_query(f"filters[junction]: must be one of and, or ('{value}')")
            junction = value.lower()
            continue
        if operator is None:
            raise _bad_path(name)
        _check_operator(field, operator, name)
        if operator in LIST_OPERATORS:
            if index is None:
                raise _bad_path(name)
            indexed.setdefault((field, operator), {})[int(index)] = value
        elif index is not None:
            raise _bad_path(name)
        else:
            conditions.setdefault(field, {})[operator] = _typed(operator, value, name)
    for (field, operator), items in indexed.items():
        conditions.setdefault(field, {})[operator] = [items[i] for i in sorted(items)]
    return conditions, junction


def _bad_path(name: str) -> Exception:
    return invalid_query(
        f"{name}: should match either filters[${{field}}][conditions][${{condition}}][${{index}}]"
        " or filters[${field}][conditions][${condition}]"
    )


def _check_operator(field: str, operator: str, name: str) -> None:
    if field == "created_at":
        allowed = DATE_OPERATORS | DAYS_OPERATORS
    elif field in STRING_FIELDS:
        allowed = STRING_OPERATORS
    else:
        raise invalid_query(f"{name}: unknown filter field '{field}'")
    if operator not in allowed:
        raise invalid_query(f"{name}: unknown condition '{operator}' for field '{field}'")


def _typed(operator: str, value: str, name: str) -> Any:
    try:
        if operator in ("$after", "$before"):
            return parse_datetime(value)
        if operator in DAYS_OPERATORS:
            return int(value)
    except ValueError:
        raise invalid_query(f"{name}: invalid value '{value}'") from None
    return value


def _matches_string(actual: str | None, operator: str, expected: Any) -> bool:
    if operator == "$has_value":
        return actual is not None
    if operator == "$is_unknown":
        return actual is None
    if operator == "$is":
        return bool(actual == expected)
    if operator == "$is_not":
        return bool(actual != expected)
    if operator == "$in":
        return actual in expected
    if operator == "$not_in":
        return actual not in expected
    if operator == "$not_contain":
        return str(expected) not in (actual or "")
    if actual is None:
        return False
    if operator == "$starts_with":
        return actual.startswith(str(expected))
    if operator == "$ends_with":
        return actual.endswith(str(expected))
    return str(expected) in actual  # $contains


def _matches_date(actual: datetime, operator: str, expected: Any, now: datetime) -> bool:
    if operator == "$after":
        return bool(actual > expected)
    if operator == "$before":
        return bool(actual < expected)
    if operator == "$more_than":
        return actual < now - timedelta(days=expected)
    if operator == "$less_than":
        return actual > now - timedelta(days=expected)
    return operator == "$has_value"


def matches(holder: Holder, conditions: Conditions, junction: str, now: datetime) -> bool:
    """Tell whether `holder` passes `conditions` combined with `junction`."""
    results = []
    for field, operators in conditions.items():
        for operator, expected in operators.items():
            if field == "created_at":
                results.append(_matches_date(holder.created_at, operator, expected, now))
            else:
                results.append(_matches_string(holder.value(field), operator, expected))
    if not results:
        return True
    return any(results) if junction == "or" else all(results)


def list_redeemables(holders: list[Holder], query: FakeQuery, now: datetime) -> dict[str, Any]:
    """Answer GET /v1/customers/{id}/redeemables (orders `id`/`-id`, default `-id`).

    `starting_after_id` is exclusive and compared as an id, so it works even for a holder
    that no longer matches. `total` counts all holders matching the filters.
    """
    limit = query.limit()
    descending = query.choice("order", ("id", "-id"), default="-id") == "-id"
    conditions, junction = parse_filters(query)
    selected = sorted(
        (holder for holder in holders if matches(holder, conditions, junction, now)),
        key=lambda holder: holder.id,
        reverse=descending,
    )
    cursor = query.get("starting_after_id")
    remaining = selected
    if cursor is not None:
        remaining = [h for h in selected if (h.id < cursor if descending else h.id > cursor)]
    page = remaining[:limit]
    body: dict[str, Any] = {
        "object": "list",
        "data_ref": "data",
        "data": [holder.render() for holder in page],
        "total": len(selected),
        "has_more": len(remaining) > limit,
    }
    if body["has_more"]:
        body["more_starting_after"] = page[-1].id
    return body

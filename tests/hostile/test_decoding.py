"""Hostile bodies (issue 11, items 5 and 12): RFC 3339 date-times `fromisoformat` refuses, null
items in lists and maps of models, and nesting deep enough to exhaust Python's recursion.

Every body reaches the SDK through the client (respx on `httpx.MockTransport`), as a server
would send it, and ends in a model or a documented `VoucherifyError`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import respx

from voucherify_async import (
    APIResponseValidationError,
    AsyncClient,
    BadRequestError,
    Customer,
    CustomersPage,
    ReferralCampaign,
)


def customer_with(**fields: Any) -> dict[str, Any]:
    return {"id": "cust_1", "object": "customer", **fields}


# --- item 12: RFC 3339 date-times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-22t17:48:18z", datetime(2024, 3, 22, 17, 48, 18, tzinfo=UTC)),
        ("2024-03-22t17:48:18.57Z", datetime(2024, 3, 22, 17, 48, 18, 570000, tzinfo=UTC)),
        ("2024-03-22T17:48:18.123z", datetime(2024, 3, 22, 17, 48, 18, 123000, tzinfo=UTC)),
        ("2024-03-22t19:48:18+02:00", datetime(2024, 3, 22, 17, 48, 18, tzinfo=UTC)),
        # A leap second is the first instant of the next minute (datetime has no second 60).
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ("2016-12-31t23:59:60.5z", datetime(2017, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        # Not RFC 3339's date-time production, but its §5.6 note allows the space for
        # readability and `fromisoformat` reads it: accepted.
        ("2024-03-22 17:48:18Z", datetime(2024, 3, 22, 17, 48, 18, tzinfo=UTC)),
    ],
)
async def test_rfc_3339_date_times_decode(
    client: AsyncClient, api: respx.MockRouter, text: str, expected: datetime
) -> None:
    api.get("/v1/customers/cust_1").respond(
        200,
        json=customer_with(
            created_at=text,
            referrals={"total": 1, "campaigns": [{"campaign_id": "camp_1", "date": text}]},
        ),
    )

    customer = await client.customers.get("cust_1")

    assert customer.created_at == expected
    assert customer.created_at is not None
    assert customer.created_at.utcoffset() is not None
    assert customer.referrals is not None
    assert customer.referrals.campaigns[0].date == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-03-22T25:00:00Z", "2024-13-01t00:00:00z"])
async def test_a_date_time_rfc_3339_refuses_is_a_validation_error(
    client: AsyncClient, api: respx.MockRouter, text: str
) -> None:
    api.get("/v1/customers/cust_1").respond(200, json=customer_with(updated_at=text))

    with pytest.raises(APIResponseValidationError, match=r"Customer\.updated_at"):
        await client.customers.get("cust_1")


# --- item 12: null items in lists and maps of models are skipped --------------------------


async def test_null_items_in_a_list_of_models_are_skipped(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.get("/v1/customers/cust_1").respond(
        200,
        json=customer_with(
            referrals={"total": 2, "campaigns": [None, {"campaign_id": "camp_1"}, None]}
        ),
    )

    customer = await client.customers.get("cust_1")

    assert customer.referrals is not None
    assert customer.referrals.campaigns == [ReferralCampaign(campaign_id="camp_1")]
    assert customer.referrals.total == 2  # the API's own count is reported as it is


async def test_null_entries_in_a_map_of_models_are_skipped(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.get("/v1/customers/cust_1").respond(
        200,
        json=customer_with(loyalty={"campaigns": {"Gone": None, "Summer": {"points": 5}}}),
    )

    customer = await client.customers.get("cust_1")

    assert customer.loyalty is not None
    assert list(customer.loyalty.campaigns) == ["Summer"]
    assert customer.loyalty.campaigns["Summer"].points == 5


async def test_a_null_customer_in_a_page_does_not_fail_the_page(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.get("/v1/customers").respond(
        200,
        json={
            "object": "list",
            "data_ref": "customers",
            "customers": [customer_with(id="cust_1"), None, customer_with(id="cust_2")],
            "total": 3,
        },
    )

    page = await client.customers.list()

    assert isinstance(page, CustomersPage)
    assert [c.id for c in page.customers] == ["cust_1", "cust_2"]
    assert all(isinstance(c, Customer) for c in page.customers)


async def test_a_null_in_a_list_of_strings_is_still_refused(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    # Strict primitives: only models are skipped; a null where a string belongs is an error.
    api.get("/v1/async-actions/aa_1").respond(
        200, json={"id": "aa_1", "status": "DONE", "result": {"reports": ["r1", None]}}
    )

    with pytest.raises(APIResponseValidationError, match=r"AsyncAction\.result\.reports\[1\]"):
        await client.async_actions.get("aa_1")


# --- item 5: nesting deep enough to exhaust Python's recursion ----------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1025, 5000, 100_000])
async def test_deeply_nested_success_body_decodes_whole_or_is_a_validation_error(
    client: AsyncClient, api: respx.MockRouter, depth: int
) -> None:
    body = b'{"id": "cust_1", "metadata": {"deep": ' + nested(depth) + b"}}"
    api.get("/v1/customers/cust_1").respond(
        200, content=body, headers={"content-type": "application/json"}
    )

    # orjson stops at 1,024 levels; msgspec's fast path follows Python's C recursion limit, which
    # is higher from 3.12 on. Either way the call ends in a model holding the whole value or in
    # an APIResponseValidationError, never in a RecursionError.
    try:
        customer = await client.customers.get("cust_1")
    except APIResponseValidationError as exc:
        error: APIResponseValidationError | None = exc
    else:
        error = None
    if error is not None:
        assert "not JSON" in str(error)
    else:
        assert customer.metadata is not None
        assert depth < 100_000  # beyond any parser's limit: it must have raised
        value, levels = customer.metadata["deep"], 0
        while isinstance(value, list) and value:
            value, levels = value[0], levels + 1
        assert (value, levels) == ([], depth - 1)


@pytest.mark.parametrize("depth", [5000, 100_000])
async def test_deeply_nested_error_body_still_gives_the_status_error(
    client: AsyncClient, api: respx.MockRouter, depth: int
) -> None:
    api.get("/v1/customers/cust_1").respond(
        400,
        content=b'{"message": ' + nested(depth) + b"}",
        headers={"content-type": "application/json"},
    )

    with pytest.raises(BadRequestError) as info:
        await client.customers.get("cust_1")

    assert info.value.status_code == 400
    assert info.value.body is None  # not JSON as far as the SDK can read it


@pytest.mark.parametrize("where", ["metadata", "extra"])
async def test_nesting_within_the_json_limit_decodes_whole(
    client: AsyncClient, api: respx.MockRouter, where: str
) -> None:
    # 1,000 levels: past msgspec's recursion guard, within orjson's limit of 1,024. Structuring
    # never recurses into untyped values, so the body decodes, on the general path.
    key = "metadata" if where == "metadata" else "tier"
    body = b'{"id": "cust_1", "' + key.encode() + b'": {"deep": ' + nested(1000) + b"}}"
    api.get("/v1/customers/cust_1").respond(
        200, content=body, headers={"content-type": "application/json"}
    )

    customer = await client.customers.get("cust_1")

    value = customer.metadata if where == "metadata" else customer.extra["tier"]
    levels, inner = 0, value["deep"]
    while inner:
        levels, inner = levels + 1, inner[0]
    assert levels == 999  # the innermost `[]` is empty


async def test_a_leap_second_past_the_last_representable_instant_is_a_validation_error(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.get("/v1/customers/cust_1").respond(
        200, json=customer_with(created_at="9999-12-31T23:59:60Z")
    )

    with pytest.raises(APIResponseValidationError, match=r"Customer\.created_at"):
        await client.customers.get("cust_1")

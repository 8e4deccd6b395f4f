"""Argument checks: each bad argument raises ValueError/TypeError naming it, and nothing is sent.

Also: any `customer_id` is percent-encoded as exactly one path segment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import respx

from voucherify_async import AsyncClient, CustomerUpdate

Call = Callable[[AsyncClient], Awaitable[Any]]

NAIVE = datetime(2024, 1, 1, 12, 0)
NAIVE_TEXT = "2024-01-01T12:00:00"


@pytest.fixture
def route(api: respx.MockRouter) -> respx.Route:
    """A catch-all route, so a request that should not have been sent is counted, not raised."""
    return api.route().respond(200, json={})


async def assert_rejected(
    client: AsyncClient, route: respx.Route, call: Call, error: type[Exception], name: str
) -> None:
    with pytest.raises(error) as info:
        await call(client)
    assert name in str(info.value)
    assert route.call_count == 0


# --- limit / page -------------------------------------------------------------------------

LIMIT_CALLS: dict[str, Callable[[int], Call]] = {
    "list": lambda n: lambda c: c.customers.list(limit=n),
    "list_activity": lambda n: lambda c: c.customers.list_activity("c1", limit=n),
    "list_activities": lambda n: lambda c: c.customers.list_activities("c1", limit=n),
    "list_redeemables": lambda n: lambda c: c.customers.list_redeemables("c1", limit=n),
}


@pytest.mark.parametrize("value", [0, 101, -1])
@pytest.mark.parametrize("method", sorted(LIMIT_CALLS))
async def test_limit_out_of_range_is_rejected(
    client: AsyncClient, route: respx.Route, method: str, value: int
) -> None:
    await assert_rejected(client, route, LIMIT_CALLS[method](value), ValueError, "limit")


@pytest.mark.parametrize("method", sorted(LIMIT_CALLS))
async def test_limit_of_wrong_type_is_rejected(
    client: AsyncClient, route: respx.Route, method: str
) -> None:
    call = LIMIT_CALLS[method]("10")  # type: ignore[arg-type]
    await assert_rejected(client, route, call, TypeError, "limit")


@pytest.mark.parametrize("value", [0, 100])
async def test_page_out_of_range_is_rejected(
    client: AsyncClient, route: respx.Route, value: int
) -> None:
    await assert_rejected(client, route, lambda c: c.customers.list(page=value), ValueError, "page")


async def test_limit_bounds_1_and_100_and_page_99_are_sent(
    client: AsyncClient, route: respx.Route
) -> None:
    route.respond(200, json={"customers": [], "total": 0})

    await client.customers.list(limit=1, page=99)
    await client.customers.list(limit=100)

    assert route.call_count == 2


# --- order --------------------------------------------------------------------------------

ORDER_CALLS: list[tuple[str, Callable[[str], Call]]] = [
    ("bogus", lambda o: lambda c: c.customers.list(order=o)),
    ("id", lambda o: lambda c: c.customers.list(order=o)),
    ("updated_at", lambda o: lambda c: c.customers.list_activity("c1", order=o)),
    ("bogus", lambda o: lambda c: c.customers.list_activities("c1", order=o)),
    ("created_at", lambda o: lambda c: c.customers.list_redeemables("c1", order=o)),
]


@pytest.mark.parametrize(
    ("order", "make_call"),
    ORDER_CALLS,
    ids=["list-bogus", "list-id", "activity-updated_at", "activities-bogus", "redeemables-ca"],
)
async def test_unknown_order_is_rejected_per_endpoint(
    client: AsyncClient, route: respx.Route, order: str, make_call: Callable[[str], Call]
) -> None:
    await assert_rejected(client, route, make_call(order), ValueError, "order")


# --- empty customer_id --------------------------------------------------------------------

CUSTOMER_ID_CALLS: dict[str, Callable[[str], Call]] = {
    "get": lambda i: lambda c: c.customers.get(i),
    "update": lambda i: lambda c: c.customers.update(i, name="x"),
    "delete": lambda i: lambda c: c.customers.delete(i),
    "delete_permanently": lambda i: lambda c: c.customers.delete_permanently(i),
    "list_activity": lambda i: lambda c: c.customers.list_activity(i),
    "list_activities": lambda i: lambda c: c.customers.list_activities(i),
    "list_redeemables": lambda i: lambda c: c.customers.list_redeemables(i),
    "list_segments": lambda i: lambda c: c.customers.list_segments(i),
    "update_consents": lambda i: lambda c: c.customers.update_consents(i, {"cnst_1": True}),
    "update_consents_client_side": lambda i: (
        lambda c: c.customers.update_consents_client_side(i, {"cnst_1": True})
    ),
}


@pytest.mark.parametrize("method", sorted(CUSTOMER_ID_CALLS))
async def test_empty_customer_id_is_rejected(
    client: AsyncClient, route: respx.Route, method: str
) -> None:
    await assert_rejected(client, route, CUSTOMER_ID_CALLS[method](""), ValueError, "customer_id")


@pytest.mark.parametrize("method", sorted(CUSTOMER_ID_CALLS))
async def test_non_string_customer_id_is_rejected(
    client: AsyncClient, route: respx.Route, method: str
) -> None:
    call = CUSTOMER_ID_CALLS[method](None)  # type: ignore[arg-type]
    await assert_rejected(client, route, call, TypeError, "customer_id")


async def test_empty_async_action_id_is_rejected(client: AsyncClient, route: respx.Route) -> None:
    await assert_rejected(
        client, route, lambda c: c.async_actions.get(""), ValueError, "async_action_id"
    )


@pytest.mark.parametrize(("name", "value"), [("timeout", 0), ("poll_interval", -1.0)])
async def test_wait_rejects_non_positive_durations(
    client: AsyncClient, route: respx.Route, name: str, value: float
) -> None:
    await assert_rejected(
        client, route, lambda c: c.async_actions.wait("aa_1", **{name: value}), ValueError, name
    )


# --- datetimes and dates ------------------------------------------------------------------

DATETIME_CALLS: dict[str, Callable[[Any], Call]] = {
    "created_at_before": lambda v: lambda c: c.customers.list(created_at_before=v),
    "created_at_after": lambda v: lambda c: c.customers.list(created_at_after=v),
    "updated_at_before": lambda v: lambda c: c.customers.list(updated_at_before=v),
    "updated_at_after": lambda v: lambda c: c.customers.list(updated_at_after=v),
    "starting_after": lambda v: lambda c: c.customers.list(starting_after=v),
    "start_date": lambda v: lambda c: c.customers.list_activity("c1", start_date=v),
    "end_date": lambda v: lambda c: c.customers.list_activities("c1", end_date=v),
}


@pytest.mark.parametrize("name", sorted(DATETIME_CALLS))
async def test_naive_datetime_is_rejected(
    client: AsyncClient, route: respx.Route, name: str
) -> None:
    await assert_rejected(client, route, DATETIME_CALLS[name](NAIVE), ValueError, name)


@pytest.mark.parametrize("name", sorted(DATETIME_CALLS))
async def test_naive_datetime_string_is_rejected(
    client: AsyncClient, route: respx.Route, name: str
) -> None:
    await assert_rejected(client, route, DATETIME_CALLS[name](NAIVE_TEXT), ValueError, name)


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", ""])
async def test_malformed_datetime_string_is_rejected(
    client: AsyncClient, route: respx.Route, value: str
) -> None:
    call = DATETIME_CALLS["created_at_before"](value)
    await assert_rejected(client, route, call, ValueError, "created_at_before")


async def test_naive_datetime_inside_redeemable_filters_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    filters = {"created_at": {"conditions": {"$after": NAIVE}}}
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.list_redeemables("c1", filters=filters),
        ValueError,
        "filters[created_at][conditions][$after]",
    )


@pytest.mark.parametrize("value", ["01/02/2020", "2020-02-30", "2020-1-1x"])
@pytest.mark.parametrize("name", ["birthdate", "birthday"])
async def test_malformed_date_is_rejected(
    client: AsyncClient, route: respx.Route, name: str, value: str
) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.create(source_id="s", **{name: value}),
        ValueError,
        name,
    )


async def test_datetime_given_for_a_date_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    await assert_rejected(
        client, route, lambda c: c.customers.update("c1", birthdate=NAIVE), TypeError, "birthdate"
    )


async def test_non_mapping_address_is_rejected(client: AsyncClient, route: respx.Route) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.create(source_id="s", address="1 Main St"),  # type: ignore[arg-type]
        TypeError,
        "address",
    )


# --- bulk ---------------------------------------------------------------------------------


async def test_more_than_100_bulk_records_are_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    records = [{"source_id": f"s{i}"} for i in range(101)]
    await assert_rejected(
        client, route, lambda c: c.customers.update_in_bulk(records), ValueError, "100"
    )


@pytest.mark.parametrize("record", [{"name": "no id"}, {"source_id": ""}, {"source_id": None}])
async def test_bulk_record_without_source_id_is_rejected(
    client: AsyncClient, route: respx.Route, record: dict[str, Any]
) -> None:
    records = [{"source_id": "ok"}, record]
    await assert_rejected(
        client, route, lambda c: c.customers.update_in_bulk(records), ValueError, "records[1]"
    )


async def test_empty_customer_update_source_id_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    records = [CustomerUpdate(source_id="")]
    await assert_rejected(
        client, route, lambda c: c.customers.update_in_bulk(records), ValueError, "source_id"
    )


async def test_no_bulk_records_is_rejected(client: AsyncClient, route: respx.Route) -> None:
    await assert_rejected(
        client, route, lambda c: c.customers.update_in_bulk([]), ValueError, "records"
    )


async def test_a_single_mapping_instead_of_records_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.update_in_bulk({"source_id": "s"}),  # type: ignore[arg-type]
        TypeError,
        "records",
    )


async def test_metadata_bulk_given_a_str_of_source_ids_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.update_metadata_in_bulk("source_123", {"a": 1}),
        TypeError,
        "source_ids",
    )


async def test_metadata_bulk_without_source_ids_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.update_metadata_in_bulk([], {"a": 1}),
        ValueError,
        "source_ids",
    )


async def test_metadata_bulk_given_non_mapping_metadata_is_rejected(
    client: AsyncClient, route: respx.Route
) -> None:
    await assert_rejected(
        client,
        route,
        lambda c: c.customers.update_metadata_in_bulk(["s1"], ["lang"]),  # type: ignore[arg-type]
        TypeError,
        "metadata",
    )


# --- consents -----------------------------------------------------------------------------

CONSENT_CALLS: dict[str, Callable[[Any], Call]] = {
    "server": lambda v: lambda c: c.customers.update_consents("c1", v),
    "client": lambda v: lambda c: c.customers.update_consents_client_side("c1", v),
}


@pytest.mark.parametrize("side", sorted(CONSENT_CALLS))
async def test_empty_consents_are_rejected(
    client: AsyncClient, route: respx.Route, side: str
) -> None:
    await assert_rejected(client, route, CONSENT_CALLS[side]({}), ValueError, "consents")


@pytest.mark.parametrize("value", [1, "true", None])
@pytest.mark.parametrize("side", sorted(CONSENT_CALLS))
async def test_non_bool_consent_is_rejected(
    client: AsyncClient, route: respx.Route, side: str, value: object
) -> None:
    call = CONSENT_CALLS[side]({"cnst_1": True, "cnst_2": value})
    await assert_rejected(client, route, call, TypeError, "cnst_2")


# --- path segments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_id", "raw"),
    [
        ("a/b?c#d", b"a%2Fb%3Fc%23d"),
        ("../x", b"..%2Fx"),
        ("..", b"%2E%2E"),
        (".", b"%2E"),
        ("a b", b"a%20b"),
        ("x@y.com", b"x@y.com"),
        ("100%", b"100%25"),
        ("zażółć", b"za%C5%BC%C3%B3%C5%82%C4%87"),
    ],
)
async def test_customer_id_is_encoded_as_one_path_segment(
    client: AsyncClient, route: respx.Route, customer_id: str, raw: bytes
) -> None:
    await client.customers.list_segments(customer_id)

    request: httpx.Request = route.calls.last.request
    assert request.url.raw_path == b"/v1/customers/" + raw + b"/segments"
    assert request.url.host == "api.voucherify.test"
    assert request.url.query == b""

"""Every customers endpoint and the async-actions endpoints: the request on the wire and the result.

Each test routes one request through a respx router used as the client's transport, then checks
the method, the raw (percent-encoded) path, the query, the headers, the body and the decoded model.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from voucherify_async import (
    ActivitiesPage,
    ActivityPage,
    Address,
    APITimeoutError,
    AsyncAction,
    AsyncActionRef,
    AsyncClient,
    Customer,
    CustomersPage,
    CustomerUpdate,
    PermanentDeletion,
    RedeemablesPage,
    SegmentsList,
)
from voucherify_async import async_actions as async_actions_module

if TYPE_CHECKING:
    from conftest import Keys

Example = Callable[[str], Any]

ACTION_ID = "aa_0a875d56c805df6601"


def only_request(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


def body(request: httpx.Request) -> Any:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def assert_server_auth(request: httpx.Request, keys: Keys) -> None:
    assert request.headers["X-App-Id"] == keys.app_id
    assert request.headers["X-App-Token"] == keys.secret_key
    assert request.headers["User-Agent"].startswith("voucherify-async/")
    assert "X-Client-Token" not in request.headers
    assert "X-Client-Application-Id" not in request.headers


# --- create --------------------------------------------------------------------------------


async def test_create_posts_the_documented_body_and_decodes_the_customer(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("create-customer.200"))
    expected_body = example("create-customer.request")

    customer = await client.customers.create(
        source_id="source_123",
        name="Bob Smith",
        description="A frequent customer",
        email="bob.smith@email.com",
        phone="+1 933 222 3333",
        address=Address(
            city="New York",
            country="United States",
            line_1="123 Main St.",
            line_2="APT 3 BLG 4",
            postal_code="10001",
            state="NY",
        ),
        metadata={"lang": "en", "test": True},
        birthdate=date(2022, 1, 1),
    )

    request = only_request(route)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/customers"
    assert_server_auth(request, keys)
    assert body(request) == expected_body
    assert isinstance(customer, Customer)
    response = example("create-customer.200")
    assert customer.id == response["id"]
    assert customer.source_id == response["source_id"]
    assert customer.email == response["email"]


async def test_create_sends_only_the_fields_given(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("create-customer.200"))

    await client.customers.create(source_id="alice@example.com", address={"city": "Oslo"})

    assert body(only_request(route)) == {
        "source_id": "alice@example.com",
        "address": {"city": "Oslo"},
    }


async def test_create_sends_null_for_an_explicit_none(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("create-customer.200"))

    await client.customers.create(source_id="s1", phone=None)

    assert body(only_request(route)) == {"source_id": "s1", "phone": None}


async def test_create_encodes_date_strings_and_datetimes_in_metadata(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("create-customer.200"))

    await client.customers.create(
        id="cust_1",
        birthday="2000-02-29",
        metadata={"since": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)},
    )

    assert body(only_request(route)) == {
        "id": "cust_1",
        "birthday": "2000-02-29",
        "metadata": {"since": "2024-01-02T03:04:05.678Z"},
    }


# --- get / update / delete -----------------------------------------------------------------


async def test_get_sends_a_bare_get_and_decodes_the_customer(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("get-customer.200"))

    customer = await client.customers.get("cust_T849EgzNVVmn5icJ2FAkT2rO")

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/customers/cust_T849EgzNVVmn5icJ2FAkT2rO"
    assert request.url.host == "api.voucherify.test"
    assert_server_auth(request, keys)
    assert request.content == b""
    assert "Content-Type" not in request.headers
    assert customer.id == "cust_T849EgzNVVmn5icJ2FAkT2rO"
    assert customer.name == "Alice Morgan"
    assert customer.address is None
    assert customer.created_at == datetime(2022, 2, 7, 8, 28, 23, 644000, tzinfo=UTC)
    assert customer.summary is not None
    assert customer.summary.orders is not None
    assert customer.summary.orders.total_amount == 203900
    assert customer.loyalty is not None
    assert customer.loyalty.campaigns["Summer Campaign"].points == 3303
    assert customer.assets == {"cockpit_url": "{{internalVoucherifyURL}}"}


async def test_get_by_email_source_id_keeps_the_at_sign(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("get-customer.200"))

    await client.customers.get("alice.morgan@email.com")

    assert only_request(route).url.raw_path == b"/v1/customers/alice.morgan@email.com"


async def test_update_puts_the_documented_body_and_decodes_the_customer(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("update-customer.200"))

    customer = await client.customers.update(
        "cust_1",
        name="Alice McDonald",
        email="alice.mdconald@email.com",
        description="Updating customer data",
        phone="+1 (132) 222-2222",
        address={
            "city": "New York",
            "country": "United States",
            "line_1": "123 Main St.",
            "line_2": "APT 3 BLG 4",
            "postal_code": "10001",
            "state": "NY",
        },
        metadata={"lang": "en", "test": True},
        birthdate="2022-01-01",
        birthday=date(2022, 1, 2),
    )

    request = only_request(route)
    assert request.method == "PUT"
    assert request.url.raw_path == b"/v1/customers/cust_1"
    assert_server_auth(request, keys)
    assert body(request) == example("update-customer.request")
    assert customer.id == example("update-customer.200")["id"]


async def test_update_sends_only_the_fields_given(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("update-customer.200"))

    await client.customers.update("cust_1", description=None, metadata={"tier": 2})

    assert body(only_request(route)) == {"description": None, "metadata": {"tier": 2}}


async def test_delete_sends_delete_and_returns_none_on_204(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    route = api.route().respond(204)

    result = await client.customers.delete("cust_1")

    request = only_request(route)
    assert request.method == "DELETE"
    assert request.url.raw_path == b"/v1/customers/cust_1"
    assert_server_auth(request, keys)
    assert request.content == b""
    assert result is None


async def test_delete_permanently_posts_without_body_and_decodes_the_receipt(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("customer-permanently-deletion.200"))

    receipt = await client.customers.delete_permanently("cust_XI8sPLvznzVpNI1BMIWGcUJa")

    request = only_request(route)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/customers/cust_XI8sPLvznzVpNI1BMIWGcUJa/permanent-deletion"
    assert_server_auth(request, keys)
    assert request.content == b""
    assert isinstance(receipt, PermanentDeletion)
    assert receipt.id == "del_7k3buMvBsJuXiLRmdh1WZvZs"
    assert receipt.object == "pernament_deletion"
    assert receipt.status == "DONE"
    assert receipt.related_object_id == "cust_XI8sPLvznzVpNI1BMIWGcUJa"
    assert receipt.data_json["customer_events"] == 28


# --- list ----------------------------------------------------------------------------------


async def test_list_sends_every_filter_under_its_wire_name(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customers.200"))

    await client.customers.list(
        limit=50,
        page=2,
        email="bob.smith@email.com",
        city="New York",
        name="Bob Smith",
        segment_id="seg_1",
        created_at_before=datetime(2024, 2, 1, tzinfo=UTC),
        created_at_after="2024-01-01T00:00:00Z",
        updated_at_before="2024-03-01T12:00:00.5+02:00",
        updated_at_after=datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        order="-updated_at",
        starting_after="2024-01-15T10:00:00.123Z",
    )

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path.split(b"?")[0] == b"/v1/customers"
    assert_server_auth(request, keys)
    assert sorted(query(request)) == sorted(
        [
            ("limit", "50"),
            ("page", "2"),
            ("email", "bob.smith@email.com"),
            ("city", "New York"),
            ("name", "Bob Smith"),
            ("segment_id", "seg_1"),
            ("created_at[before]", "2024-02-01T00:00:00.000Z"),
            ("created_at[after]", "2024-01-01T00:00:00.000Z"),
            ("updated_at[before]", "2024-03-01T10:00:00.500Z"),
            ("updated_at[after]", "2023-12-31T23:59:59.999Z"),
            ("order", "-updated_at"),
            ("starting_after", "2024-01-15T10:00:00.123Z"),
        ]
    )


async def test_list_puts_bracketed_names_in_the_raw_query(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customers.200"))

    await client.customers.list(created_at_before="2024-02-01T00:00:00Z")

    raw = only_request(route).url.raw_path
    assert raw == b"/v1/customers?created_at%5Bbefore%5D=2024-02-01T00%3A00%3A00.000Z"


async def test_list_without_arguments_sends_no_query(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customers.200"))

    await client.customers.list()

    assert only_request(route).url.raw_path == b"/v1/customers"


async def test_list_decodes_the_customers_key_and_total(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(200, json=example("list-customers.200"))

    page = await client.customers.list(limit=2)

    assert isinstance(page, CustomersPage)
    assert page.total == 2
    assert page.has_more is None
    assert [c.id for c in page.customers] == [
        "cust_CSnYd37MXmrbS19XCrghjBsv",
        "cust_X0hU04x7FeisPnD5lctZcQkI",
    ]
    first = page.customers[0]
    assert first.address == Address(
        city="New York",
        state="NY",
        line_1="123 Main St.",
        line_2="APT 3 BLG 5",
        country="United States",
        postal_code="10001",
    )
    assert first.birthdate == date(2022, 1, 1)
    assert first.metadata == {"lang": "en", "test": True}
    assert first.referrals is not None
    assert first.referrals.campaigns[0].date == datetime(2022, 8, 30, 10, 17, 41, 89000, tzinfo=UTC)


# --- activity / activities -----------------------------------------------------------------

ACTIVITY_BODY = {
    "object": "list",
    "data_ref": "data",
    "data": [
        {
            "id": "evcus_0c150c51730c6b60b1",
            "type": "customer.created",
            "data": {"customer": {"id": "cust_1"}},
            "created_at": "2024-03-22T17:48:25.910Z",
            "group_id": "v-0c150c5170ca1b6a5b",
        }
    ],
    "has_more": True,
    "more_starting_after": "evcus_0c150c51730c6b60b1",
}


async def test_list_activity_sends_its_filters_and_decodes_the_page(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    route = api.route().respond(200, json=ACTIVITY_BODY)

    page = await client.customers.list_activity(
        "cust_1",
        limit=10,
        order="-created_at",
        starting_after_id="evcus_0",
        start_date=datetime(2024, 1, 1, tzinfo=UTC),
        end_date="2024-02-01T00:00:00+00:00",
        campaign_id="camp_1",
        campaign_type="LOYALTY_PROGRAM",
        category="ACTION",
        type="customer.created",
    )

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path.split(b"?")[0] == b"/v1/customers/cust_1/activity"
    assert_server_auth(request, keys)
    assert sorted(query(request)) == sorted(
        [
            ("limit", "10"),
            ("order", "-created_at"),
            ("starting_after_id", "evcus_0"),
            ("start_date", "2024-01-01T00:00:00.000Z"),
            ("end_date", "2024-02-01T00:00:00.000Z"),
            ("campaign_id", "camp_1"),
            ("campaign_type", "LOYALTY_PROGRAM"),
            ("category", "ACTION"),
            ("type", "customer.created"),
        ]
    )
    assert isinstance(page, ActivityPage)
    assert page.has_more is True
    assert page.more_starting_after == "evcus_0c150c51730c6b60b1"
    assert page.data[0].type == "customer.created"
    assert page.data[0].data == {"customer": {"id": "cust_1"}}
    assert page.data[0].created_at == datetime(2024, 3, 22, 17, 48, 25, 910000, tzinfo=UTC)


async def test_list_activities_sends_its_filters_and_decodes_the_page(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    body_json = {"object": "list", "data_ref": "data", "data": ACTIVITY_BODY["data"], "total": 7}
    route = api.route().respond(200, json=body_json)

    page = await client.customers.list_activities(
        "src 1",
        limit=5,
        order="created_at",
        starting_after="2024-01-01T00:00:00Z",
        starting_after_id="evcus_0",
        campaign_type="PROMOTION",
        campaign_id="camp_1",
        product_id="prod_1",
        start_date="2023-01-01T00:00:00Z",
        end_date=datetime(2025, 1, 1, tzinfo=UTC),
    )

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path.split(b"?")[0] == b"/v1/customers/src%201/activities"
    assert_server_auth(request, keys)
    assert sorted(query(request)) == sorted(
        [
            ("limit", "5"),
            ("order", "created_at"),
            ("starting_after", "2024-01-01T00:00:00.000Z"),
            ("starting_after_id", "evcus_0"),
            ("campaign_type", "PROMOTION"),
            ("campaign_id", "camp_1"),
            ("product_id", "prod_1"),
            ("start_date", "2023-01-01T00:00:00.000Z"),
            ("end_date", "2025-01-01T00:00:00.000Z"),
        ]
    )
    assert isinstance(page, ActivitiesPage)
    assert page.total == 7
    assert page.data[0].id == "evcus_0c150c51730c6b60b1"


# --- redeemables / segments ----------------------------------------------------------------


async def test_list_redeemables_sends_filters_as_indexed_deep_object(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customer-redeemables.200"))

    await client.customers.list_redeemables(
        "cust_123",
        limit=10,
        order="-id",
        starting_after_id="rh_0",
        filters={
            "campaign_type": {"conditions": {"$in": ["LOYALTY_PROGRAM", "GIFT_VOUCHERS"]}},
            "created_at": {"conditions": {"$after": datetime(2024, 1, 1, tzinfo=UTC)}},
            "junction": "and",
        },
    )

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path.split(b"?")[0] == b"/v1/customers/cust_123/redeemables"
    assert_server_auth(request, keys)
    assert query(request) == [
        ("limit", "10"),
        ("order", "-id"),
        ("starting_after_id", "rh_0"),
        ("filters[campaign_type][conditions][$in][0]", "LOYALTY_PROGRAM"),
        ("filters[campaign_type][conditions][$in][1]", "GIFT_VOUCHERS"),
        ("filters[created_at][conditions][$after]", "2024-01-01T00:00:00.000Z"),
        ("filters[junction]", "and"),
    ]


async def test_list_redeemables_percent_encodes_brackets_and_dollar(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customer-redeemables.200"))

    await client.customers.list_redeemables(
        "cust_123", filters={"holder_role": {"conditions": {"$is": "OWNER"}}}
    )

    assert only_request(route).url.raw_path == (
        b"/v1/customers/cust_123/redeemables"
        b"?filters%5Bholder_role%5D%5Bconditions%5D%5B%24is%5D=OWNER"
    )


async def test_list_redeemables_sends_an_empty_value_for_has_value(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customer-redeemables.200"))

    await client.customers.list_redeemables(
        "cust_123", filters={"voucher_type": {"conditions": {"$has_value": None}}}
    )

    assert query(only_request(route)) == [("filters[voucher_type][conditions][$has_value]", "")]


async def test_list_redeemables_decodes_the_page(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    api.route().respond(200, json=example("list-customer-redeemables.200"))

    page = await client.customers.list_redeemables("cust_p1ufreYbVbwZ1x70nFkH9rF9")

    assert isinstance(page, RedeemablesPage)
    assert page.total == 2
    assert page.has_more is False
    assert page.more_starting_after is None
    assert [r.id for r in page.data] == ["rh_0e7b8db4700106a852", "rh_0e79fe37e4926cafd6"]
    first = page.data[0]
    assert first.holder_role == "OWNER"
    assert first.campaign_type == "DISCOUNT_COUPONS"
    assert first.created_at == datetime(2024, 3, 22, 17, 48, 25, 910000, tzinfo=UTC)
    assert first.redeemable["voucher"]["code"] == "3xRUnMVG"


async def test_list_segments_sends_a_bare_get_and_decodes_the_list(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("list-customer-segments.200"))

    segments = await client.customers.list_segments("cust_1")

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/customers/cust_1/segments"
    assert_server_auth(request, keys)
    assert isinstance(segments, SegmentsList)
    assert segments.total == 5
    assert segments.data[0].id == "seg_DNAOhUtJffvX0f57ajLMFBYR"
    assert segments.data[0].name == "area code not 123"
    assert [s.object for s in segments.data] == ["segment"] * 5


# --- import_csv ----------------------------------------------------------------------------

CSV = b"Source_id,Name,Email\nalice@example.com,Alice,alice@example.com\n"


def multipart_file_part(request: httpx.Request) -> tuple[str, bytes]:
    """Return the part header line and content of the single part, checking it is `file`."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts = [p for p in request.content.split(b"--" + boundary) if p.strip(b"-\r\n")]
    assert len(parts) == 1
    head, _, data = parts[0].partition(b"\r\n\r\n")
    disposition = next(
        line for line in head.decode().splitlines() if line.startswith("Content-Disposition")
    )
    return disposition, data.removesuffix(b"\r\n")


async def test_import_csv_uploads_bytes_as_the_file_part(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(202, json=example("import-customers-using-csv.202"))

    ref = await client.customers.import_csv(CSV)

    request = only_request(route)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/customers/importCSV"
    assert_server_auth(request, keys)
    disposition, data = multipart_file_part(request)
    assert 'name="file"' in disposition
    assert 'filename="customers.csv"' in disposition
    assert data == CSV
    assert ref == AsyncActionRef(async_action_id=ACTION_ID)


async def test_import_csv_uploads_a_path_under_its_file_name(
    client: AsyncClient, api: respx.MockRouter, example: Example, tmp_path: Path
) -> None:
    route = api.route().respond(202, json=example("import-customers-using-csv.202"))
    csv_path = tmp_path / "march.csv"
    csv_path.write_bytes(CSV)

    ref = await client.customers.import_csv(csv_path)

    disposition, data = multipart_file_part(only_request(route))
    assert 'name="file"' in disposition
    assert 'filename="march.csv"' in disposition
    assert data == CSV
    assert ref.async_action_id == ACTION_ID


async def test_import_csv_accepts_a_path_given_as_str(
    client: AsyncClient, api: respx.MockRouter, example: Example, tmp_path: Path
) -> None:
    route = api.route().respond(202, json=example("import-customers-using-csv.202"))
    csv_path = tmp_path / "april.csv"
    csv_path.write_bytes(CSV)

    await client.customers.import_csv(str(csv_path))

    disposition, data = multipart_file_part(only_request(route))
    assert 'filename="april.csv"' in disposition
    assert data == CSV


async def test_import_csv_uploads_a_binary_file_object(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(202, json=example("import-customers-using-csv.202"))

    ref = await client.customers.import_csv(io.BytesIO(CSV))

    disposition, data = multipart_file_part(only_request(route))
    assert 'name="file"' in disposition
    assert data == CSV
    assert ref.async_action_id == ACTION_ID


# --- bulk ----------------------------------------------------------------------------------


async def test_update_in_bulk_sends_mappings_as_a_json_array(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(202, json={"async_action_id": ACTION_ID})
    records = example("update-customers-in-bulk.request")

    ref = await client.customers.update_in_bulk(records)

    request = only_request(route)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/customers/bulk/async"
    assert_server_auth(request, keys)
    assert body(request) == records
    assert ref.async_action_id == ACTION_ID


async def test_update_in_bulk_sends_customer_updates_without_unset_fields(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    route = api.route().respond(202, json={"async_action_id": ACTION_ID})

    await client.customers.update_in_bulk(
        [
            CustomerUpdate(
                source_id="Sally.Smith@email.com",
                name="Sally Smith",
                birthdate=date(2022, 2, 2),
                address=Address(city="New York", postal_code="10001"),
                metadata={"lang": "en"},
            ),
            CustomerUpdate(source_id="bob", birthday="2022-03-03"),
        ]
    )

    assert body(only_request(route)) == [
        {
            "source_id": "Sally.Smith@email.com",
            "name": "Sally Smith",
            "birthdate": "2022-02-02",
            "address": {"city": "New York", "postal_code": "10001"},
            "metadata": {"lang": "en"},
        },
        {"source_id": "bob", "birthday": "2022-03-03"},
    ]


async def test_update_in_bulk_encodes_dates_and_addresses_inside_mappings(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    route = api.route().respond(202, json={"async_action_id": ACTION_ID})

    await client.customers.update_in_bulk(
        [
            {
                "source_id": "s1",
                "birthdate": date(1990, 5, 17),
                "address": Address(country="PL"),
                "metadata": {"seen": datetime(2024, 1, 1, tzinfo=UTC)},
            }
        ]
    )

    assert body(only_request(route)) == [
        {
            "source_id": "s1",
            "birthdate": "1990-05-17",
            "address": {"country": "PL"},
            "metadata": {"seen": "2024-01-01T00:00:00.000Z"},
        }
    ]


async def test_update_in_bulk_accepts_exactly_100_records(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    route = api.route().respond(202, json={"async_action_id": ACTION_ID})

    await client.customers.update_in_bulk({"source_id": f"s{i}"} for i in range(100))

    assert len(body(only_request(route))) == 100


async def test_update_metadata_in_bulk_sends_source_ids_and_metadata(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(202, json=example("update-customers-metadata-in-bulk.202"))

    ref = await client.customers.update_metadata_in_bulk(
        ("source_123", "source_456"), {"lang": "en", "test": False}
    )

    request = only_request(route)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/customers/metadata/async"
    assert_server_auth(request, keys)
    assert body(request) == example("update-customers-metadata-in-bulk.request")
    assert (
        ref.async_action_id == example("update-customers-metadata-in-bulk.202")["async_action_id"]
    )


async def test_update_metadata_in_bulk_has_no_100_record_cap(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    route = api.route().respond(202, json={"async_action_id": ACTION_ID})

    await client.customers.update_metadata_in_bulk([f"s{i}" for i in range(250)], {"a": 1})

    assert len(body(only_request(route))["source_ids"]) == 250


# --- consents ------------------------------------------------------------------------------


async def test_update_consents_puts_the_mapping_and_returns_none(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(204)
    consents = example("update-customers-consents.request.Example")

    result = await client.customers.update_consents("cust_1", consents)

    request = only_request(route)
    assert request.method == "PUT"
    assert request.url.raw_path == b"/v1/customers/cust_1/consents"
    assert_server_auth(request, keys)
    assert body(request) == consents
    assert result is None


async def test_update_consents_sends_the_opt_out_of_all_body(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(204)

    await client.customers.update_consents("cust_1", {"unsubscribed": True})

    assert body(only_request(route)) == example("update-customers-consents.request.Opt-out-of-all")


async def test_update_consents_client_side_uses_client_keys_and_origin(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    route = api.route().respond(204)

    result = await client.customers.update_consents_client_side("a@b.com", {"cnst_1": False})

    request = only_request(route)
    assert request.method == "PUT"
    assert request.url.raw_path == b"/client/v1/customers/a@b.com/consents"
    assert request.headers["X-Client-Application-Id"] == keys.client_app_id
    assert request.headers["X-Client-Token"] == keys.client_secret_key
    assert request.headers["Origin"] == keys.origin
    assert request.headers["User-Agent"].startswith("voucherify-async/")
    assert body(request) == {"cnst_1": False}
    assert result is None


async def test_update_consents_client_side_never_sends_the_server_keys(
    client: AsyncClient, api: respx.MockRouter, keys: Keys
) -> None:
    route = api.route().respond(204)

    await client.customers.update_consents_client_side("cust_1", {"unsubscribed": True})

    request = only_request(route)
    assert "X-App-Token" not in request.headers
    assert "X-App-Id" not in request.headers
    assert all(keys.secret_key not in value for value in request.headers.values())


# --- async actions -------------------------------------------------------------------------


def action(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ACTION_ID,
        "type": "CUSTOMERS.BULK_UPDATE",
        "status": status,
        "object": "async_action",
        **fields,
    }


async def test_async_actions_get_sends_get_and_decodes_the_action(
    client: AsyncClient, api: respx.MockRouter, keys: Keys, example: Example
) -> None:
    route = api.route().respond(200, json=example("get-async-action.200.CUSTOMERS.BULK_UPDATE"))

    found = await client.async_actions.get("aa_0c5547cc5e17b617b6")

    request = only_request(route)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/async-actions/aa_0c5547cc5e17b617b6"
    assert_server_auth(request, keys)
    assert isinstance(found, AsyncAction)
    assert found.status == "DONE"
    assert found.operation_status == "SUCCESS"
    assert found.finished
    assert found.result is not None
    assert found.result.done_count == 3
    assert found.result.reports == ["{{voucherify-link-to-report}}"]
    assert found.result.reports_available_till == datetime(
        2024, 11, 6, 8, 26, 13, 304000, tzinfo=UTC
    )


async def test_async_actions_get_accepts_a_ref(
    client: AsyncClient, api: respx.MockRouter, example: Example
) -> None:
    route = api.route().respond(200, json=example("get-async-action.200.CUSTOMERS.IMPORT_CSV"))

    found = await client.async_actions.get(AsyncActionRef(async_action_id="aa_0c5543f00797b6113f"))

    assert only_request(route).url.raw_path == b"/v1/async-actions/aa_0c5543f00797b6113f"
    assert found.result is not None
    assert found.result.failed[1].row == 2
    assert found.result.failed_count == 2


async def test_wait_polls_until_done_and_returns_the_action(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    route = api.route().mock(
        side_effect=[
            httpx.Response(200, json=action("ENQUEUED")),
            httpx.Response(200, json=action("IN_PROGRESS", progress=50)),
            httpx.Response(200, json=action("DONE", result={"done_count": 3})),
        ]
    )

    done = await client.async_actions.wait(
        AsyncActionRef(async_action_id=ACTION_ID), poll_interval=0.001
    )

    assert route.call_count == 3
    assert all(
        c.request.url.raw_path == f"/v1/async-actions/{ACTION_ID}".encode() for c in route.calls
    )
    assert done.status == "DONE"
    assert done.result is not None
    assert done.result.done_count == 3


async def test_wait_returns_a_failed_action_with_its_result(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=action("IN_PROGRESS")),
            httpx.Response(
                200,
                json=action(
                    "FAILED",
                    result={"failed_count": 1, "errors": [{"message": "bad", "source_id": "s1"}]},
                ),
            ),
        ]
    )

    failed = await client.async_actions.wait(ACTION_ID, poll_interval=0.001)

    assert failed.status == "FAILED"
    assert failed.result is not None
    assert failed.result.errors[0].source_id == "s1"


async def test_wait_grows_the_poll_interval(
    client: AsyncClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route().mock(
        side_effect=[httpx.Response(200, json=action("IN_PROGRESS"))] * 4
        + [httpx.Response(200, json=action("DONE"))]
    )
    slept: list[float] = []
    real_sleep = async_actions_module.anyio.sleep

    async def recording_sleep(delay: float) -> None:
        slept.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(async_actions_module.anyio, "sleep", recording_sleep)

    await client.async_actions.wait(ACTION_ID, poll_interval=0.01)

    assert len(slept) == 4
    assert slept[0] == pytest.approx(0.01)
    assert all(later > earlier for earlier, later in itertools.pairwise(slept))


async def test_wait_raises_api_timeout_error_when_the_action_does_not_finish(
    client: AsyncClient, api: respx.MockRouter
) -> None:
    api.route().mock(side_effect=lambda request: httpx.Response(200, json=action("IN_PROGRESS")))

    with pytest.raises(APITimeoutError, match=ACTION_ID):
        await client.async_actions.wait(ACTION_ID, timeout=0.05, poll_interval=0.001)

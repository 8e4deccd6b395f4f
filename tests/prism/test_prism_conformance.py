"""Every customers method and the async-actions calls against the Stoplight Prism mock server.

Prism (`prism mock` over `tests/spec/voucherify-customers.openapi.json`) checks each request the
SDK sends against the spec subset: path, query parameters and their formats, the JSON or
multipart body, the security headers. A request it accepts gets the spec's example (or, for an
operation without one, a body built from the schema), which the SDK must decode. The last tests
send requests that must be refused, which shows the validation is really on.

Not in the default run: `nox -s conformance` installs Prism, starts it and runs this module
(NOTES.md §12 lists how Prism answers each request).
"""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx
import pytest
from _prism import CLIENT_SECRET_KEY, OPERATIONS, ORIGIN, SERVER_HEADERS, Recorder

from voucherify_async import (
    APIStatusError,
    AsyncAction,
    AsyncClient,
    Customer,
    CustomerActivity,
    CustomerUpdate,
)
from voucherify_async.async_actions import AsyncActions
from voucherify_async.customers import Customers

pytestmark = pytest.mark.prism

Example = Callable[[str], Any]
F = TypeVar("F", bound=Callable[..., Any])

ACTION_ID = "aa_0a875d56c805df6601"
CUSTOMER_ID = "cust_T849EgzNVVmn5icJ2FAkT2rO"
# Which test covers which SDK method, and the operation it calls; filled by @covers.
COVERED: dict[str, str] = {}


def covers(method: str, operation_id: str) -> Callable[[F], F]:
    """Note that the decorated test calls the SDK's `method` (e.g. "customers.get")."""

    def note(test: F) -> F:
        COVERED[method] = operation_id
        return test

    return note


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def assert_customer(customer: Customer, raw: dict[str, Any]) -> None:
    """The decoded customer holds what the JSON object `raw` says, and keeps the rest in extra."""
    for name in ("id", "source_id", "name", "description", "email", "phone"):
        assert getattr(customer, name) == raw.get(name), name
    assert customer.object == raw["object"] == "customer"
    assert customer.birthdate == _date(raw.get("birthdate"))
    assert customer.birthday == _date(raw.get("birthday"))
    assert customer.created_at == _datetime(raw.get("created_at"))
    assert customer.updated_at == _datetime(raw.get("updated_at"))
    assert customer.metadata == (raw.get("metadata") or {})
    if raw.get("address") is None:
        assert customer.address is None
    else:
        assert customer.address is not None
        for name, value in raw["address"].items():
            assert getattr(customer.address, name) == value, f"address.{name}"
    if "summary" in raw:
        assert customer.summary is not None
        assert customer.summary.redemptions is not None
        assert customer.summary.orders is not None
        redemptions, orders = raw["summary"]["redemptions"], raw["summary"]["orders"]
        assert customer.summary.redemptions.total_redeemed == redemptions["total_redeemed"]
        assert customer.summary.orders.total_amount == orders["total_amount"]
        assert customer.summary.orders.last_order_date == _datetime(orders.get("last_order_date"))
    if "loyalty" in raw:
        assert customer.loyalty is not None
        assert customer.loyalty.points == raw["loyalty"]["points"]
    known = set(attrs.fields_dict(Customer)) - {"extra"}
    assert customer.extra == {k: v for k, v in raw.items() if k not in known}


def assert_activities(activities: list[CustomerActivity], raw: list[dict[str, Any]]) -> None:
    """Decoded events match the schema-generated JSON Prism sent, field by field."""
    assert activities, "Prism's generated page holds at least one event"
    assert len(activities) == len(raw)
    for activity, item in zip(activities, raw, strict=True):
        assert activity.id == item["id"]
        assert activity.id is not None
        assert activity.id.startswith("evcus_")
        assert activity.type == item["type"]
        assert activity.group_id == item.get("group_id")
        assert activity.created_at == _datetime(item["created_at"])
        assert activity.created_at is not None
        assert activity.created_at.tzinfo is not None
        assert activity.data == item["data"] != {}


# --- the customers methods, one test each ------------------------------------------------------


@covers("customers.create", "create-customer")
async def test_create(prism_client: AsyncClient, wire: Recorder, example: Example) -> None:
    fields = example("create-customer.request")
    fields["birthdate"] = date.fromisoformat(fields["birthdate"])

    customer = await prism_client.customers.create(**fields)

    exchange = wire.only("create-customer")
    assert json.loads(exchange.request.content) == example("create-customer.request")
    assert exchange.body == example("create-customer.200")
    assert_customer(customer, example("create-customer.200"))
    assert customer.id == "cust_CSnYd37MXmrbS19XCrghjBsv"


@covers("customers.get", "get-customer")
async def test_get(prism_client: AsyncClient, wire: Recorder, example: Example) -> None:
    customer = await prism_client.customers.get(CUSTOMER_ID)

    assert wire.only("get-customer").body == example("get-customer.200")
    assert customer.id == example("get-customer.200")["id"] == CUSTOMER_ID
    assert_customer(customer, example("get-customer.200"))


@covers("customers.update", "update-customer")
async def test_update(prism_client: AsyncClient, wire: Recorder, example: Example) -> None:
    fields = example("update-customer.request")

    customer = await prism_client.customers.update("source id/with slash", **fields)

    exchange = wire.only("update-customer")
    assert exchange.request.url.raw_path == b"/v1/customers/source%20id%2Fwith%20slash"
    assert json.loads(exchange.request.content) == fields
    assert_customer(customer, example("update-customer.200"))


@covers("customers.delete", "delete-customer")
async def test_delete(prism_client: AsyncClient, wire: Recorder) -> None:
    await prism_client.customers.delete(CUSTOMER_ID)

    exchange = wire.only("delete-customer")
    assert (exchange.status, exchange.body) == (204, None)


@covers("customers.delete_permanently", "customer-permanently-deletion")
async def test_delete_permanently(
    prism_client: AsyncClient, wire: Recorder, example: Example
) -> None:
    deletion = await prism_client.customers.delete_permanently(CUSTOMER_ID)

    raw = example("customer-permanently-deletion.200")
    assert wire.only("customer-permanently-deletion").body == raw
    assert (deletion.id, deletion.status, deletion.object) == (
        "del_7k3buMvBsJuXiLRmdh1WZvZs",
        "DONE",
        "pernament_deletion",
    )
    assert deletion.related_object_id == raw["related_object_id"]
    assert deletion.created_at == _datetime(raw["created_at"])
    assert deletion.data_json == raw["data_json"]


@covers("customers.list", "list-customers")
async def test_list_with_every_filter(
    prism_client: AsyncClient, wire: Recorder, example: Example
) -> None:
    page = await prism_client.customers.list(
        limit=100,
        page=99,
        email="bob.smith@email.com",
        city="New York",
        name="Bob Smith",
        segment_id="seg_1",
        # Prism reads `created_at[before]` as a nested object and does not check these four.
        created_at_before=datetime(2024, 1, 31, tzinfo=UTC),
        created_at_after="2024-01-01T00:00:00Z",
        updated_at_before=datetime(2024, 2, 1, tzinfo=UTC),
        updated_at_after=datetime(2023, 1, 1, tzinfo=UTC),
        order="-created_at",
        starting_after=datetime(2024, 1, 15, 12, 30, tzinfo=UTC),
    )

    raw = example("list-customers.200")
    exchange = wire.only("list-customers")
    assert dict(exchange.request.url.params)["starting_after"] == "2024-01-15T12:30:00.000Z"
    assert exchange.body == raw
    assert [c.id for c in page.customers] == [c["id"] for c in raw["customers"]]
    assert len(page.customers) == 2
    for customer, item in zip(page.customers, raw["customers"], strict=True):
        assert_customer(customer, item)
    assert (page.total, page.object, page.data_ref) == (2, "list", "customers")


@covers("customers.list_activity", "list-customer-activity")
async def test_list_activity_decodes_a_schema_generated_page(
    prism_client: AsyncClient, wire: Recorder
) -> None:
    page = await prism_client.customers.list_activity(
        CUSTOMER_ID,
        limit=5,
        order="-created_at",
        starting_after_id="evcus_0c150c51730c6b60b1",
        start_date=datetime(2024, 1, 1, tzinfo=UTC),
        end_date="2024-02-01T00:00:00+01:00",
        campaign_id="camp_1",
        campaign_type="LOYALTY_PROGRAM",
        category="ACTION",
        type="customer.created",
    )

    body = wire.only("list-customer-activity").body
    assert_activities(page.data, body["data"])
    assert isinstance(page.has_more, bool)
    assert page.has_more == body["has_more"]
    assert page.more_starting_after == body["more_starting_after"]
    assert (page.object, page.data_ref) == ("list", "data")


@covers("customers.list_activities", "list-customer-activities")
async def test_list_activities_decodes_a_schema_generated_page(
    prism_client: AsyncClient, wire: Recorder
) -> None:
    page = await prism_client.customers.list_activities(
        CUSTOMER_ID,
        limit=5,
        order="-created_at",
        starting_after=datetime(2024, 1, 1, tzinfo=UTC),
        starting_after_id="evcus_0c150c51730c6b60b1",
        campaign_type="PROMOTION",
        campaign_id="camp_1",
        product_id="prod_1",
        start_date="2023-01-01T00:00:00Z",
        end_date=datetime(2024, 2, 1, tzinfo=UTC),
    )

    exchange = wire.only("list-customer-activities")
    assert exchange.body is not None
    assert_activities(page.data, exchange.body["data"])
    assert isinstance(page.total, int)
    assert page.total == exchange.body["total"]


@covers("customers.list_redeemables", "list-customer-redeemables")
async def test_list_redeemables_with_filters(
    prism_client: AsyncClient, wire: Recorder, example: Example
) -> None:
    page = await prism_client.customers.list_redeemables(
        CUSTOMER_ID,
        limit=10,
        order="-id",
        starting_after_id="rh_1",
        filters={
            "holder_role": {"conditions": {"$is": "OWNER"}},
            "campaign_type": {"conditions": {"$in": ["PROMOTION", "LOYALTY_PROGRAM"]}},
            "created_at": {"conditions": {"$after": datetime(2024, 1, 1, tzinfo=UTC)}},
            "junction": "and",
        },
    )

    raw = example("list-customer-redeemables.200")
    assert wire.only("list-customer-redeemables").body == raw
    assert [r.id for r in page.data] == [r["id"] for r in raw["data"]]
    for redeemable, item in zip(page.data, raw["data"], strict=True):
        assert redeemable.holder_role == item["holder_role"]
        assert redeemable.redeemable_id == item["redeemable_id"]
        assert redeemable.created_at == _datetime(item["created_at"])
        assert redeemable.redeemable == item["redeemable"]
    assert (page.total, page.has_more) == (raw["total"], raw["has_more"])


@covers("customers.list_segments", "list-customer-segments")
async def test_list_segments(prism_client: AsyncClient, wire: Recorder, example: Example) -> None:
    segments = await prism_client.customers.list_segments(CUSTOMER_ID)

    raw = example("list-customer-segments.200")
    assert wire.only("list-customer-segments").body == raw
    assert [(s.id, s.name) for s in segments.data] == [(s["id"], s["name"]) for s in raw["data"]]
    assert segments.total == 5


@covers("customers.import_csv", "import-customers-using-csv")
async def test_import_csv_from_bytes_path_and_file(
    prism_client: AsyncClient, wire: Recorder, tmp_path: Path
) -> None:
    csv = b"source_id,name,email\nsrc_1,Bob,bob@example.com\n"
    path = tmp_path / "crm.csv"
    path.write_bytes(csv)

    refs = [
        await prism_client.customers.import_csv(csv),
        await prism_client.customers.import_csv(path),
        await prism_client.customers.import_csv(io.BytesIO(csv)),
    ]

    assert [ref.async_action_id for ref in refs] == [ACTION_ID] * 3
    exchanges = wire.of("import-customers-using-csv")
    assert len(exchanges) == len(wire.exchanges) == 3
    for exchange in exchanges:
        assert exchange.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")


@covers("customers.update_in_bulk", "update-customers-in-bulk")
async def test_update_in_bulk(prism_client: AsyncClient, wire: Recorder, example: Example) -> None:
    records: list[Any] = example("update-customers-in-bulk.request")
    records.append(CustomerUpdate(source_id="typed-record", birthdate=date(1990, 5, 17)))

    ref = await prism_client.customers.update_in_bulk(records)

    assert ref.async_action_id == ACTION_ID
    sent = json.loads(wire.only("update-customers-in-bulk").request.content)
    assert sent[:3] == example("update-customers-in-bulk.request")
    assert sent[3] == {"source_id": "typed-record", "birthdate": "1990-05-17"}


@covers("customers.bulk_update", "update-customers-in-bulk")
async def test_bulk_update_in_chunks_and_wait(prism_client: AsyncClient, wire: Recorder) -> None:
    def records() -> Iterator[CustomerUpdate]:
        for n in range(150):
            yield CustomerUpdate(source_id=f"crm-{n}", name=f"Customer {n}")

    actions = await prism_client.customers.bulk_update(records(), batch_size=100, wait=True)

    assert [type(a) for a in actions] == [AsyncAction, AsyncAction]
    assert all(a.finished and a.status == "DONE" for a in actions)
    chunks = [json.loads(e.request.content) for e in wire.of("update-customers-in-bulk")]
    assert sorted(len(chunk) for chunk in chunks) == [50, 100]
    assert len(wire.of("get-async-action")) == 2
    assert len(wire.exchanges) == 4


@covers("customers.update_metadata_in_bulk", "update-customers-metadata-in-bulk")
async def test_update_metadata_in_bulk(
    prism_client: AsyncClient, wire: Recorder, example: Example
) -> None:
    request = example("update-customers-metadata-in-bulk.request")

    ref = await prism_client.customers.update_metadata_in_bulk(
        request["source_ids"], request["metadata"]
    )

    assert ref.async_action_id == ACTION_ID
    assert example("update-customers-metadata-in-bulk.202") == {"async_action_id": ACTION_ID}
    assert json.loads(wire.only("update-customers-metadata-in-bulk").request.content) == request


@covers("customers.update_consents", "update-customers-consents")
@pytest.mark.parametrize("name", ["Example", "Opt-out-of-all"])
async def test_update_consents(
    prism_client: AsyncClient, wire: Recorder, example: Example, name: str
) -> None:
    consents = example(f"update-customers-consents.request.{name}")

    await prism_client.customers.update_consents(CUSTOMER_ID, consents)

    exchange = wire.only("update-customers-consents")
    assert (exchange.status, json.loads(exchange.request.content)) == (204, consents)


@covers("customers.update_consents_client_side", "update-customers-consents-client-side")
@pytest.mark.parametrize("name", ["Example", "Opt-out-of-all"])
async def test_update_consents_client_side(
    prism_client: AsyncClient, wire: Recorder, example: Example, name: str
) -> None:
    consents = example(f"update-customers-consents-client-side.request.{name}")

    await prism_client.customers.update_consents_client_side(CUSTOMER_ID, consents)

    exchange = wire.only("update-customers-consents-client-side")
    assert exchange.status == 204
    assert exchange.request.headers["X-Client-Token"] == CLIENT_SECRET_KEY
    assert "X-App-Token" not in exchange.request.headers
    assert exchange.request.headers["Origin"] == ORIGIN


# --- async actions -----------------------------------------------------------------------------


@covers("async_actions.get", "get-async-action")
async def test_async_actions_get(
    prism_client: AsyncClient, wire: Recorder, example: Example
) -> None:
    action = await prism_client.async_actions.get(ACTION_ID)

    # Prism answers with the first of the operation's examples.
    raw = example("get-async-action.200.CAMPAIGN.VOUCHERS_IMPORT")
    assert wire.only("get-async-action").body == raw
    assert (action.id, action.type, action.status) == (raw["id"], raw["type"], "DONE")
    assert (action.progress, action.processing_time) == (100, 755)
    assert action.created_at == _datetime(raw["created_at"])
    assert action.result is not None
    assert action.result.message == raw["result"]["message"]
    assert action.result.failed_count == raw["result"]["failed_count"] == 3
    reasons = [f["reason"] for f in raw["result"]["failed"]]
    assert [f.reason for f in action.result.failed] == reasons


@covers("async_actions.wait", "get-async-action")
async def test_async_actions_wait(prism_client: AsyncClient, wire: Recorder) -> None:
    action = await prism_client.async_actions.wait(ACTION_ID, timeout=60)

    assert action.finished
    assert action.id == "aa_0af9b22296cf473a10"
    wire.only("get-async-action")


# --- requests Prism must refuse: the validation is on --------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "location", "code"),
    [
        ("GET", "/v1/customers", {"limit": 500}, None, ["query", "limit"], "maximum"),
        ("GET", "/v1/customers", {"page": 100}, None, ["query", "page"], "maximum"),
        ("GET", "/v1/customers", {"starting_after": "yesterday"}, None, None, "format"),
        ("POST", "/v1/customers/bulk/async", None, {"source_id": "a"}, ["body"], "type"),
        ("POST", "/v1/customers/bulk/async", None, [{"name": "no source_id"}], None, "required"),
        ("PUT", f"/v1/customers/{CUSTOMER_ID}", None, {"birthdate": "01/02/2020"}, None, "format"),
    ],
    ids=["limit=500", "page=100", "bad-date-time", "bulk-object", "bulk-no-source-id", "bad-date"],
)
async def test_prism_refuses_requests_off_the_spec(
    raw: httpx.AsyncClient,
    method: str,
    path: str,
    params: dict[str, Any] | None,
    body: Any,
    location: list[str] | None,
    code: str,
) -> None:
    response = await raw.request(method, path, params=params, json=body, headers=SERVER_HEADERS)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()["validation"][0]
    assert problem["code"] == code
    if location is not None:
        assert problem["location"] == location


async def test_prism_refuses_a_request_without_keys(raw: httpx.AsyncClient) -> None:
    response = await raw.get(f"/v1/customers/{CUSTOMER_ID}")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "OAuth2"


async def test_prism_refuses_client_side_consents_with_the_server_keys(
    raw: httpx.AsyncClient,
) -> None:
    response = await raw.put(
        f"/client/v1/customers/{CUSTOMER_ID}/consents",
        json={"unsubscribed": True},
        headers=SERVER_HEADERS,
    )

    assert response.status_code == 401


async def test_sdk_surfaces_prism_refusing_what_it_sent(
    prism_client: AsyncClient, wire: Recorder
) -> None:
    with pytest.raises(APIStatusError) as caught:
        await prism_client.customers.list_activity(CUSTOMER_ID, category="NOT_A_CATEGORY")

    assert caught.value.status_code == 422
    assert caught.value.body is not None
    assert caught.value.body["validation"][0]["location"] == ["query", "category"]
    assert [e.status for e in wire.exchanges] == [422]


# --- the suite covers the whole SDK and the whole spec subset ---------------------------------


def _public_coroutines(cls: type) -> set[str]:
    return {
        name
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


def test_every_sdk_call_has_a_prism_test() -> None:
    methods = {f"customers.{name}" for name in _public_coroutines(Customers)} | {
        f"async_actions.{name}" for name in _public_coroutines(AsyncActions)
    }
    assert methods - set(COVERED) == set(), "add a Prism test for these SDK methods"
    assert set(COVERED) - methods == set(), "these tests name methods the SDK does not have"


def test_every_spec_operation_is_called() -> None:
    assert set(COVERED.values()) == {op.id for op in OPERATIONS}

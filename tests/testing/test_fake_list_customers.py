"""List customers: bounds, filters, orders, the strict starting_after cursor and ms ties."""

from __future__ import annotations

import httpx
import pytest
from _conformance import validate_exchange

from voucherify_async.testing import FakeVoucherify

T0 = "2024-01-01T00:00:00.000Z"


def ids(response: httpx.Response) -> list[str]:
    return [customer["source_id"] for customer in response.json()["customers"]]


async def test_default_is_ten_newest_first_with_total_and_has_more(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.seed_customers(12, start=T0)

    response = await http.get("/v1/customers")

    body = response.json()
    assert body["object"] == "list"
    assert body["data_ref"] == "customers"
    assert body["total"] == 12
    assert body["has_more"] is True
    assert ids(response) == [f"seed-{n:05d}" for n in range(12, 2, -1)]


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("limit=0", "limit: must be >= 1"),
        ("limit=101", "limit: must be <= 100"),
        ("limit=abc", "limit: must be an integer"),
        ("page=0", "page: must be >= 1"),
        ("page=100", "page: must be <= 99"),
        ("order=name", "order: must be one of"),
        ("starting_after=yesterday", "starting_after: must be a date-time"),
        ("created_at%5Bbefore%5D=notadate", "created_at[before]: must be a date-time"),
    ],
)
async def test_out_of_range_query_is_400_invalid_query_params(
    raw: httpx.AsyncClient, fake: FakeVoucherify, query: str, details: str
) -> None:
    response = await raw.get(f"/v1/customers?{query}", headers=fake.server_headers())

    body = response.json()
    assert response.status_code == 400
    assert body["key"] == "invalid_query_params"
    assert body["code"] == 400
    assert body["details"].startswith(details)
    assert body["request_id"].startswith("v-")
    # The real API answers 400 where the spec declares nothing; only that (and the invalid
    # request itself) may differ from the spec.
    problems = validate_exchange(response.request, response).problems
    assert "ResponseNotFound: Unknown response http status: 400" in problems


async def test_limit_and_page_bounds_are_inclusive(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.seed_customers(3, start=T0)

    assert len((await http.get("/v1/customers?limit=100")).json()["customers"]) == 3
    assert len((await http.get("/v1/customers?limit=1&page=3")).json()["customers"]) == 1
    assert (await http.get("/v1/customers?limit=1&page=99")).json()["customers"] == []


async def test_page_walks_the_same_order(http: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    fake.seed_customers(5, start=T0)

    first = await http.get("/v1/customers?limit=2&page=1&order=created_at")
    third = await http.get("/v1/customers?limit=2&page=3&order=created_at")

    assert ids(first) == ["seed-00001", "seed-00002"]
    assert ids(third) == ["seed-00005"]
    assert third.json()["has_more"] is False


async def test_starting_after_default_order_is_strictly_before(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    seeded = fake.seed_customers(5, start=T0, step_ms=1000)

    response = await http.get("/v1/customers", params={"starting_after": seeded[2]["created_at"]})

    assert ids(response) == ["seed-00002", "seed-00001"]
    assert response.json()["total"] == 5


async def test_starting_after_ascending_is_strictly_after(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    seeded = fake.seed_customers(5, start=T0)

    response = await http.get(
        "/v1/customers", params={"order": "created_at", "starting_after": seeded[2]["created_at"]}
    )

    assert ids(response) == ["seed-00004", "seed-00005"]


async def test_starting_after_with_updated_at_order_compares_updated_at(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="old-late", created_at=T0, updated_at="2024-03-01T00:00:00Z")
    fake.add_customer(source_id="new-early", created_at="2024-02-01T00:00:00Z")

    response = await http.get(
        "/v1/customers",
        params={"order": "updated_at", "starting_after": "2024-02-15T00:00:00Z"},
    )

    assert ids(response) == ["old-late"]


async def test_millisecond_ties_are_ordered_by_id_and_cut_by_a_strict_cursor(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    before = fake.add_customer(source_id="before", created_at="2023-12-31T23:59:59.999Z")
    tied = fake.seed_customers(7, same_created_at=T0)
    after = fake.add_customer(source_id="after", created_at="2024-01-01T00:00:00.001Z")

    newest = await http.get("/v1/customers?limit=4")
    oldest = await http.get("/v1/customers?limit=100&order=created_at")
    cursor = await http.get("/v1/customers", params={"starting_after": T0})

    tied_ids = sorted(customer["id"] for customer in tied)
    assert {c["created_at"] for c in tied} == {T0}
    assert [c["id"] for c in newest.json()["customers"]] == [after["id"], *tied_ids[::-1][:3]]
    assert [c["id"] for c in oldest.json()["customers"]] == [before["id"], *tied_ids, after["id"]]
    # All seven customers of the tied millisecond are skipped by a strict cursor.
    assert [c["id"] for c in cursor.json()["customers"]] == [before["id"]]


async def test_date_filters_are_strict(http: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    seeded = fake.seed_customers(5, start=T0)

    response = await http.get(
        "/v1/customers",
        params={
            "created_at[after]": seeded[0]["created_at"],
            "created_at[before]": seeded[4]["created_at"],
        },
    )

    assert ids(response) == ["seed-00004", "seed-00003", "seed-00002"]
    assert response.json()["total"] == 3


async def test_percent_encoded_bracket_names_filter_too(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    seeded = fake.seed_customers(3, start=T0)

    response = await http.get(f"/v1/customers?updated_at%5Bbefore%5D={seeded[1]['updated_at']}")

    assert ids(response) == ["seed-00001"]


async def test_email_city_name_and_segment_filters(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="a", email="Ann@Example.com", name="Ann", address={"city": "Oslo"})
    fake.add_customer(source_id="b", email="bob@example.com", name="Bob", address={"city": "Rome"})
    segment = fake.add_segment("VIP", customer_ids=["b"])

    assert ids(await http.get("/v1/customers?email=ann@example.com")) == ["a"]
    assert ids(await http.get("/v1/customers?city=Rome")) == ["b"]
    assert ids(await http.get("/v1/customers?name=Ann")) == ["a"]
    assert ids(await http.get(f"/v1/customers?segment_id={segment['id']}")) == ["b"]
    assert ids(await http.get("/v1/customers?segment_id=seg_unknown")) == []


async def test_source_id_orders(http: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    for source_id in ("b", "c", "a"):
        fake.add_customer(source_id=source_id)

    assert ids(await http.get("/v1/customers?order=source_id")) == ["a", "b", "c"]
    assert ids(await http.get("/v1/customers?order=-source_id")) == ["c", "b", "a"]

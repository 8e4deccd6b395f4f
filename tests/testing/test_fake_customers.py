"""CRUD semantics of the fake: upsert, get by id or source_id, merge, delete, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from voucherify_async.testing import FakeVoucherify, ManualClock


async def test_create_returns_customer_shaped_like_the_examples(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/customers", json={"source_id": "alice", "name": "Alice"})

    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("cust_")
    assert len(body["id"]) == 29
    assert body["source_id"] == "alice"
    assert body["name"] == "Alice"
    assert body["address"] is None
    assert body["object"] == "customer"
    assert body["created_at"] == "2024-01-01T00:00:00.000Z"
    assert set(body) >= {"summary", "loyalty", "referrals", "system_metadata", "assets"}


async def test_create_with_existing_source_id_updates_that_customer(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    first = (await http.post("/v1/customers", json={"source_id": "s1", "name": "A"})).json()
    second = await http.post("/v1/customers", json={"source_id": "s1", "email": "a@x.io"})

    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert second.json()["name"] == "A"
    assert second.json()["email"] == "a@x.io"
    assert len(fake.customers()) == 1


async def test_create_with_existing_id_updates_and_unknown_id_is_404(
    http: httpx.AsyncClient, raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    created = (await http.post("/v1/customers", json={"name": "A"})).json()

    updated = await http.post("/v1/customers", json={"id": created["id"], "name": "B"})
    # The spec declares no 404 for create; the fake answers one for an unknown id.
    missing = await raw.post(
        "/v1/customers", json={"id": "cust_nope", "name": "B"}, headers=fake.server_headers()
    )

    assert updated.json()["name"] == "B"
    assert missing.status_code == 404
    assert missing.json()["resource_id"] == "cust_nope"


async def test_get_by_source_id_with_slash_percent_encoded(
    http: httpx.AsyncClient, raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    created = (await http.post("/v1/customers", json={"source_id": "a/b?c"})).json()

    by_source = await http.get("/v1/customers/a%2Fb%3Fc")
    by_id = await http.get(f"/v1/customers/{created['id']}")
    # Unencoded, it is two segments: no route of the spec.
    unencoded = await raw.get("/v1/customers/a/b", headers=fake.server_headers())

    assert by_source.json()["id"] == created["id"]
    assert by_id.json()["source_id"] == "a/b?c"
    assert unencoded.status_code == 404


async def test_get_unknown_is_404_with_error_body_like_the_example(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/v1/customers/cust_missing")

    body = response.json()
    assert response.status_code == 404
    assert body["code"] == 404
    assert body["key"] == "not_found"
    assert body["message"] == "Resource not found"
    assert body["details"] == "Cannot find customer with id cust_missing"
    assert body["resource_type"] == "customer"
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["request_id"].startswith("v-")


async def test_update_merges_fields_and_stamps_updated_at(
    http: httpx.AsyncClient, clock: ManualClock
) -> None:
    await http.post(
        "/v1/customers",
        json={"source_id": "m", "name": "N", "email": "e@x.io", "metadata": {"a": 1}},
    )
    clock.advance(ms=1500)

    response = await http.put("/v1/customers/m", json={"phone": "+48 1", "address": {"city": "W"}})

    body = response.json()
    assert body["name"] == "N"
    assert body["email"] == "e@x.io"
    assert body["metadata"] == {"a": 1}
    assert body["phone"] == "+48 1"
    assert body["address"] == {"city": "W"}
    assert body["created_at"] == "2024-01-01T00:00:00.000Z"
    assert body["updated_at"] == "2024-01-01T00:00:01.500Z"


async def test_update_unknown_is_404(http: httpx.AsyncClient) -> None:
    response = await http.put("/v1/customers/nobody", json={"name": "x"})

    assert response.status_code == 404


async def test_invalid_body_is_400_invalid_payload(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    response = await raw.post(
        "/v1/customers", json={"birthdate": "01/02/2020"}, headers=fake.server_headers()
    )

    assert response.status_code == 400
    assert response.json()["key"] == "invalid_payload"
    assert "birthdate" in response.json()["details"]


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
async def test_a_body_with_a_non_json_number_is_400_invalid_payload(
    raw: httpx.AsyncClient, fake: FakeVoucherify, constant: bytes
) -> None:
    response = await raw.post(
        "/v1/customers",
        content=b'{"source_id": "n", "metadata": {"x": ' + constant + b"}}",
        headers={**fake.server_headers(), "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["key"] == "invalid_payload"
    assert fake.get_customer("n") is None


async def test_delete_is_204_without_body_then_404(http: httpx.AsyncClient) -> None:
    await http.post("/v1/customers", json={"source_id": "gone"})

    deleted = await http.delete("/v1/customers/gone")
    again = await http.delete("/v1/customers/gone")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404


async def test_permanent_deletion_returns_misspelt_object_and_counts(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    customer = fake.add_customer(source_id="p")
    fake.seed_activity("p", 3)

    response = await http.post("/v1/customers/p/permanent-deletion")

    body = response.json()
    assert body["object"] == "pernament_deletion"
    assert body["id"].startswith("del_")
    assert body["related_object_id"] == customer["id"]
    assert body["status"] == "DONE"
    assert body["data_json"]["customer_events"] == 3
    assert fake.get_customer("p") is None


async def test_permanent_deletion_counts_the_segments_the_customer_was_in(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="p")
    fake.add_customer(source_id="q")
    fake.add_segment("vip", customer_ids=["p", "q"])
    fake.add_segment("new", customer_ids=["p"])
    fake.add_segment("other", customer_ids=["q"])

    response = await http.post("/v1/customers/p/permanent-deletion")

    assert response.json()["data_json"]["segments"] == 2
    assert (await http.get("/v1/customers/q/segments")).json()["total"] == 2


async def test_null_address_parts_are_cleared_like_null_fields(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="a", name="A", address={"city": "Oslo", "country": "NO"})
    headers = fake.server_headers()

    partial = await raw.put(
        "/v1/customers/a",
        json={"name": None, "address": {"city": None, "country": "SE"}},
        headers=headers,
    )
    emptied = await raw.put("/v1/customers/a", json={"address": {"city": None}}, headers=headers)

    assert "name" not in partial.json()
    assert partial.json()["address"] == {"country": "SE"}
    assert emptied.json()["address"] is None
    stored = fake.get_customer("a")
    assert stored is not None
    assert stored["address"] is None


async def test_unsupported_content_type_is_415(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    response = await raw.post(
        "/v1/customers",
        content=b"name=x",
        headers={**fake.server_headers(), "content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 415


async def test_every_response_carries_rate_limit_headers(
    http: httpx.AsyncClient, raw: httpx.AsyncClient
) -> None:
    ok = await http.get("/v1/customers")
    unauthorized = await raw.get("/v1/customers")

    for response in (ok, unauthorized):
        assert response.headers["x-rate-limit-limit"] == "2000"
        assert int(response.headers["x-rate-limit-remaining"]) < 2000
        assert response.headers["x-rate-limit-retry"].isdigit()
        assert response.headers["x-request-id"].startswith("v-")


async def test_requests_are_recorded_raw_and_parsed(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    await http.get("/v1/customers?created_at%5Bbefore%5D=2024-01-01T00:00:00Z&limit=5")
    await http.put("/v1/customers/a%2Fb", json={"name": "x"})

    listed, updated = fake.requests
    assert listed.query_string == "created_at%5Bbefore%5D=2024-01-01T00:00:00Z&limit=5"
    assert listed.query == {"created_at[before]": ["2024-01-01T00:00:00Z"], "limit": ["5"]}
    assert listed.headers["x-app-id"] == "fake-app-id"
    assert updated.method == "PUT"
    assert updated.raw_path == "/v1/customers/a%2Fb"
    assert updated.path == "/v1/customers/a/b"
    assert updated.json() == {"name": "x"}


def test_timestamps_before_year_1000_keep_four_digits() -> None:
    fake = FakeVoucherify(clock=ManualClock(datetime(999, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)))

    customer = fake.add_customer(source_id="old")

    assert customer["created_at"] == "0999-01-02T03:04:05.678Z"

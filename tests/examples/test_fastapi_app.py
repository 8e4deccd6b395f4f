"""examples/fastapi_app.py, run for real: httpx against the app, the SDK on the embedded fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from _conformance import Conformance
from conftest import failing_after_the_first_page, load_example, serving_on_loopback

from voucherify_async.testing import FakeVoucherify

example = load_example("fastapi_app")


@asynccontextmanager
async def app_client(client_kwargs: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running (ASGITransport does not run it), and an HTTP client."""
    app = example.create_app(**client_kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            yield http


async def test_the_ndjson_route_streams_every_customer_once(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    voucherify_fake.seed_customers(250)
    async with app_client(conformance.client_kwargs(voucherify_fake)) as http:
        response = await http.get("/customers.ndjson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len({row["id"] for row in rows}) == len(rows) == 250
    # each line is the customer as the API sends it (to_json): wire field names and date-times
    assert {"id", "source_id", "name", "email", "created_at", "object"} <= set(rows[0])
    assert rows[0]["object"] == "customer"
    assert rows[0]["created_at"].endswith("Z")


async def test_the_ndjson_route_passes_the_city_filter_to_the_api(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    voucherify_fake.seed_customers(30)
    async with app_client(conformance.client_kwargs(voucherify_fake)) as http:
        response = await http.get("/customers.ndjson", params={"city": "Berlin"})
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 10
    lists = [r for r in voucherify_fake.requests if r.path == "/v1/customers"]
    assert lists
    assert all(request.query["city"] == ["Berlin"] for request in lists)


async def test_the_create_route_creates_the_customer(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    async with app_client(conformance.client_kwargs(voucherify_fake)) as http:
        response = await http.post(
            "/customers", json={"source_id": "ann@example.com", "name": "Ann"}
        )
    assert response.status_code == 201
    assert response.json()["source_id"] == "ann@example.com"
    stored = voucherify_fake.get_customer("ann@example.com")
    assert stored is not None
    assert stored["name"] == "Ann"
    assert response.json()["id"] == stored["id"]


async def test_every_request_shares_the_client_the_lifespan_opened_and_closes(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with app.router.lifespan_context(app):
        client = app.state.voucherify
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            for number in range(3):
                await http.post("/customers", json={"source_id": f"c{number}"})
            assert app.state.voucherify is client
            assert not client.is_closed
    assert client.is_closed


async def test_an_api_refusal_is_answered_with_its_status_and_request_id(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    voucherify_fake.inject_fault(400, path="/v1/customers", method="POST")
    async with app_client(conformance.client_kwargs(voucherify_fake)) as http:
        response = await http.post("/customers", json={"source_id": "x"})
    assert response.status_code == 400
    assert response.json()["request_id"].startswith("v-")


# -- errors before the stream starts, over a real loopback server (issue 12 item 2) ----------------


async def get_over_loopback(client_kwargs: dict[str, Any], url: str) -> httpx.Response:
    """`GET url` from the example app served by uvicorn on 127.0.0.1, the body read whole."""
    with serving_on_loopback(example.create_app(**client_kwargs)) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            return await http.get(url)


async def test_an_upstream_503_on_the_first_page_is_a_5xx_not_an_empty_200(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(5)
    voucherify_fake.inject_fault(503, path="/v1/customers", method="GET")
    kwargs = {**conformance.client_kwargs(voucherify_fake), "max_retries": 0}
    response = await get_over_loopback(kwargs, "/customers.ndjson")
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/json"
    assert response.json()["request_id"].startswith("v-")


async def test_a_rejected_key_is_our_misconfiguration_a_500_without_the_details(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.inject_fault(401, path="/v1/customers", method="GET")
    response = await get_over_loopback(
        conformance.client_kwargs(voucherify_fake), "/customers.ndjson"
    )
    assert response.status_code == 500
    assert response.json() == {"error": "the service is misconfigured"}


@pytest.mark.parametrize("limit", ["0", "101"])
async def test_a_bad_limit_is_a_422_naming_it_and_nothing_is_sent_upstream(
    voucherify_fake: FakeVoucherify, conformance: Conformance, limit: str
) -> None:
    response = await get_over_loopback(
        conformance.client_kwargs(voucherify_fake), f"/customers.ndjson?limit={limit}"
    )
    assert response.status_code == 422
    assert "limit" in response.json()["detail"]
    assert voucherify_fake.requests == []


async def test_the_limit_argument_sets_the_page_size_of_every_request(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(25)
    response = await get_over_loopback(
        conformance.client_kwargs(voucherify_fake), "/customers.ndjson?limit=10"
    )
    assert response.status_code == 200
    assert len(response.text.splitlines()) == 25
    assert [r.query["limit"] for r in voucherify_fake.requests] == [["10"]] * 3


async def test_a_later_page_failing_cuts_the_stream_off_rather_than_ending_it_cleanly(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(250)
    kwargs = failing_after_the_first_page(
        conformance.client_kwargs(voucherify_fake), voucherify_fake
    )
    with pytest.raises(httpx.RemoteProtocolError):  # the chunked body never ends
        await get_over_loopback(kwargs, "/customers.ndjson")

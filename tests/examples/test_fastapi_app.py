"""examples/fastapi_app.py, run for real: httpx against the app, the SDK on the embedded fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from _conformance import Conformance
from conftest import load_example

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
    assert set(rows[0]) == {"id", "source_id", "name", "email", "created_at"}


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

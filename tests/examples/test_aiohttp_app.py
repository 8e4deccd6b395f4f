"""examples/aiohttp_app.py, run for real on aiohttp's test server, the SDK on the embedded fake."""

from __future__ import annotations

import json

import aiohttp
import pytest
from _conformance import Conformance
from aiohttp.test_utils import TestClient, TestServer
from conftest import failing_after_the_first_page, load_example

from voucherify_async.testing import FakeVoucherify

example = load_example("aiohttp_app")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only


async def test_the_ndjson_route_streams_every_customer_once(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    voucherify_fake.seed_customers(250)
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson")
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/x-ndjson"
        text = await response.text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len({row["id"] for row in rows}) == len(rows) == 250


async def test_the_ndjson_route_passes_the_city_filter(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(30)
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson", params={"city": "Warsaw"})
        rows = [json.loads(line) for line in (await response.text()).splitlines()]
    assert len(rows) == 10
    assert {voucherify_fake.get_customer(row["id"])["address"]["city"] for row in rows} == {
        "Warsaw"
    }


async def test_the_create_route_creates_the_customer(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.post("/customers", json={"source_id": "bob", "email": "b@x.io"})
        assert response.status == 201
        body = await response.json()
    stored = voucherify_fake.get_customer("bob")
    assert stored is not None
    assert (body["id"], stored["email"]) == (stored["id"], "b@x.io")


async def test_the_client_lives_in_cleanup_ctx_and_is_closed_on_shutdown(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        client = app[example.VOUCHERIFY]
        await http.post("/customers", json={"source_id": "a"})
        await http.post("/customers", json={"source_id": "b"})
        assert app[example.VOUCHERIFY] is client
        assert not client.is_closed
    assert client.is_closed


async def test_an_api_refusal_is_answered_with_its_status_and_request_id(
    voucherify_fake: FakeVoucherify,
    conformance: Conformance,
) -> None:
    voucherify_fake.inject_fault(409, path="/v1/customers", method="POST")
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.post("/customers", json={"source_id": "x"})
        assert response.status == 409
        assert (await response.json())["request_id"].startswith("v-")


# -- errors before the stream starts, on the loopback test server (issue 12 item 2) ----------------


async def test_an_upstream_503_on_the_first_page_is_a_5xx_not_an_empty_200(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(5)
    voucherify_fake.inject_fault(503, path="/v1/customers", method="GET")
    app = example.create_app(**conformance.client_kwargs(voucherify_fake), max_retries=0)
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson")
        assert response.status == 502
        assert (await response.json())["request_id"].startswith("v-")


async def test_a_rejected_key_is_our_misconfiguration_a_500_without_the_details(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.inject_fault(401, path="/v1/customers", method="GET")
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson")
        assert response.status == 500
        assert await response.json() == {"error": "the service is misconfigured"}


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
async def test_a_bad_limit_is_a_422_naming_it_and_nothing_is_sent_upstream(
    voucherify_fake: FakeVoucherify, conformance: Conformance, limit: str
) -> None:
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson", params={"limit": limit})
        assert response.status == 422
        text = await response.text()
        assert "limit" in text
        assert limit in text
    assert voucherify_fake.requests == []


async def test_the_limit_argument_sets_the_page_size_of_every_request(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(25)
    app = example.create_app(**conformance.client_kwargs(voucherify_fake))
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson", params={"limit": "10"})
        assert response.status == 200
        assert len((await response.text()).splitlines()) == 25
    assert [r.query["limit"] for r in voucherify_fake.requests] == [["10"]] * 3


async def test_a_later_page_failing_cuts_the_stream_off_rather_than_ending_it_cleanly(
    voucherify_fake: FakeVoucherify, conformance: Conformance
) -> None:
    voucherify_fake.seed_customers(250)
    kwargs = failing_after_the_first_page(
        conformance.client_kwargs(voucherify_fake), voucherify_fake
    )
    app = example.create_app(**kwargs)
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/customers.ndjson")
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):  # the chunked body never ends
            await response.text()

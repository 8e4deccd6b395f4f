"""Auth per key pair, fault injection, and the transport/kwargs helpers."""

from __future__ import annotations

import httpx
import pytest

from voucherify_async.testing import FakeVoucherify

CONSENTS = {"cnst_1": True}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-App-Id": "fake-app-id"},
        {"X-App-Id": "fake-app-id", "X-App-Token": "wrong"},
        {"X-Client-Application-Id": "fake-client-app-id", "X-Client-Token": "fake-client-secret"},
    ],
)
async def test_server_routes_need_the_server_key_pair(
    raw: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await raw.get("/v1/customers", headers=headers)

    body = response.json()
    assert response.status_code == 401
    assert body["code"] == 401
    assert body["key"] == "unauthorized"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_client_route_accepts_client_keys_with_origin(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="c")

    response = await raw.put(
        "/client/v1/customers/c/consents", json=CONSENTS, headers=fake.client_headers()
    )

    assert response.status_code == 204
    assert fake.consents("c") == CONSENTS


@pytest.mark.parametrize("drop", ["origin", "x-client-token"])
async def test_client_route_needs_origin_and_client_token(
    raw: httpx.AsyncClient, fake: FakeVoucherify, drop: str
) -> None:
    fake.add_customer(source_id="c")
    headers = {k: v for k, v in fake.client_headers().items() if k.lower() != drop}

    response = await raw.put("/client/v1/customers/c/consents", json=CONSENTS, headers=headers)

    assert response.status_code == 401


async def test_client_route_rejects_server_keys(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="c")

    response = await raw.put(
        "/client/v1/customers/c/consents",
        json=CONSENTS,
        headers={**fake.server_headers(), "Origin": "http://localhost"},
    )

    assert response.status_code == 401
    assert fake.consents("c") == {}


async def test_custom_keys_are_the_only_ones_accepted() -> None:
    fake = FakeVoucherify(app_id="a", secret_key="s")
    async with httpx.AsyncClient(transport=fake.transport, base_url=fake.base_url) as client:
        good = await client.get("/v1/customers", headers={"X-App-Id": "a", "X-App-Token": "s"})
        bad = await client.get(
            "/v1/customers", headers={"X-App-Id": "fake-app-id", "X-App-Token": "fake-secret-key"}
        )

    assert (good.status_code, bad.status_code) == (200, 401)


async def test_429_fault_has_the_api_body_and_rate_limit_headers(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    # On bulk/async, the one operation whose spec declares the 429 (so it is validated).
    fake.inject_fault(429, retry_after=7)
    records = [{"source_id": "s"}]

    limited = await http.post("/v1/customers/bulk/async", json=records)
    after = await http.post("/v1/customers/bulk/async", json=records)

    assert limited.status_code == 429
    assert limited.json() == {"code": 429, "message": "Too many requests hit the API too quickly."}
    assert limited.headers["retry-after"] == "7"
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert limited.headers["x-rate-limit-type"] == "api_calls"
    assert int(limited.headers["x-rate-limit-retry"]) == 1704067200 + 7
    assert after.status_code == 202


async def test_fault_matches_path_prefix_method_and_count(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    headers = fake.server_headers()
    fake.add_customer(source_id="x")
    fake.inject_fault(503, path="/v1/customers/x", method="GET", count=2)

    listed = await raw.get("/v1/customers", headers=headers)
    updated = await raw.put("/v1/customers/x", json={"name": "n"}, headers=headers)
    first = await raw.get("/v1/customers/x", headers=headers)
    second = await raw.get("/v1/customers/x", headers=headers)
    third = await raw.get("/v1/customers/x", headers=headers)

    assert [r.status_code for r in (listed, updated, first, second, third)] == [
        200,
        200,
        503,
        503,
        200,
    ]
    assert first.json()["key"] == "service_unavailable"
    assert first.json()["request_id"].startswith("v-")


async def test_500_fault_comes_before_auth(raw: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    fake.inject_fault(500)

    response = await raw.get("/v1/customers")

    assert response.status_code == 500
    assert response.json()["code"] == 500


async def test_html502_fault_is_a_proxy_page(raw: httpx.AsyncClient, fake: FakeVoucherify) -> None:
    fake.inject_fault("html502", retry_after=2)

    response = await raw.get("/v1/customers", headers=fake.server_headers())

    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert b"502 Bad Gateway" in response.content
    assert response.headers["retry-after"] == "2"


async def test_drop_fault_is_a_protocol_error_then_service_resumes(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.inject_fault("drop")

    with pytest.raises(httpx.RemoteProtocolError):
        await raw.get("/v1/customers", headers=fake.server_headers())
    response = await raw.get("/v1/customers", headers=fake.server_headers())

    assert response.status_code == 200


@pytest.mark.parametrize("kind", [200, 99, "boom", True])
def test_inject_fault_rejects_unknown_kinds(fake: FakeVoucherify, kind: object) -> None:
    with pytest.raises(ValueError, match="fault kind"):
        fake.inject_fault(kind)  # type: ignore[arg-type]


async def test_clear_faults_drops_pending_ones(
    http: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.inject_fault(503, count=5)
    fake.clear_faults()

    response = await http.get("/v1/customers")

    assert response.status_code == 200


def test_client_kwargs_point_an_sdk_client_at_the_fake(fake: FakeVoucherify) -> None:
    kwargs = fake.client_kwargs()

    assert kwargs["app_id"] == "fake-app-id"
    assert kwargs["secret_key"] == "fake-secret-key"
    assert kwargs["client_app_id"] == "fake-client-app-id"
    assert kwargs["client_secret_key"] == "fake-client-secret"
    assert kwargs["origin"] == "http://localhost"
    assert isinstance(kwargs["transport"], httpx.ASGITransport)
    assert fake.transport is not fake.transport


async def test_unknown_route_and_method_answer_error_bodies(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    missing = await raw.get("/v1/customerz", headers=fake.server_headers())
    wrong = await raw.patch("/v1/customers", headers=fake.server_headers())

    assert missing.status_code == 404
    assert missing.json()["key"] == "not_found"
    assert wrong.status_code == 405
    assert wrong.json()["message"] == "HTTP Method Not Allowed"


async def test_wrong_method_lists_every_method_of_the_path_in_allow(
    raw: httpx.AsyncClient, fake: FakeVoucherify
) -> None:
    fake.add_customer(source_id="c")
    expected = {
        "/v1/customers": "GET, HEAD, POST",
        "/v1/customers/c": "DELETE, GET, HEAD, PUT",
        "/v1/customers/c/consents": "PUT",
        "/v1/customers/bulk/async": "POST",
        "/v1/async-actions/aa_1": "GET, HEAD",
    }

    for path, allow in expected.items():
        response = await raw.request("PATCH", path, headers=fake.server_headers())

        assert response.status_code == 405, path
        assert response.headers["allow"] == allow, path
        assert response.json()["details"] == "PATCH is not supported by this endpoint."

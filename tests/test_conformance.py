"""The spec validators of the suite (`_conformance`) catch what they must and forgive only faults.

`ValidatingApp` is what the loopback server (`fake_http`) runs every exchange through; here it
also runs in process, over `httpx.ASGITransport`. The fault rule: an injected fault (marked
`X-Fake-Fault`) may answer a status its operation does not declare, nothing more.
"""

from __future__ import annotations

import httpx
import pytest
from _conformance import (
    FAULT_HEADER,
    SELF_TESTS,
    Conformance,
    ValidatingApp,
    ValidatingTransport,
    validate_exchange,
)
from _fake_http import FakeHTTPServer

from voucherify_async.testing import FakeVoucherify

UNDECLARED = "ResponseNotFound: Unknown response http status"


@pytest.fixture
def fake() -> FakeVoucherify:
    fake = FakeVoucherify()
    fake.seed_customers(3)
    return fake


HEADERS = {"X-App-Id": "app", "X-App-Token": "token"}  # what the spec's security asks for


def client_on(app: ValidatingApp, fake: FakeVoucherify) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=fake.base_url,
        headers=fake.server_headers(),
    )


async def test_a_conforming_exchange_is_counted_and_passes(fake: FakeVoucherify) -> None:
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        response = await http.get("/v1/customers", params={"limit": 2, "order": "-created_at"})
    assert response.status_code == 200
    assert app.failures == []
    assert app.operations == {"list-customers": 1}


async def test_an_off_spec_request_and_its_undeclared_answer_fail(fake: FakeVoucherify) -> None:
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        response = await http.get("/v1/customers", params={"limit": 500})
    assert response.status_code == 400  # the fake refuses it, as the API does
    [(where, problems)] = app.failures
    assert where.startswith("GET http://127.0.0.1/v1/customers?limit=500 -> 400")
    assert "query parameter limit: 500 is greater than the maximum of 100" in problems
    assert any(problem.startswith(UNDECLARED) for problem in problems)


async def test_a_bad_body_is_caught_at_the_asgi_level(fake: FakeVoucherify) -> None:
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        await http.put("/v1/customers/seed-00001", json={"name": None, "email": 5})
    problems = app.failures[0][1]
    assert "name: None for not nullable" in problems
    assert "email: 5 is not of type 'string'" in problems


async def test_an_injected_fault_may_answer_an_undeclared_status(fake: FakeVoucherify) -> None:
    fake.inject_fault(503, path="/v1/customers/seed-00001")
    fake.inject_fault("html502", path="/v1/customers/seed-00002")
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        unavailable = await http.get("/v1/customers/seed-00001")
        proxy = await http.get("/v1/customers/seed-00002")
    assert (unavailable.headers[FAULT_HEADER], proxy.headers[FAULT_HEADER]) == ("503", "html502")
    assert app.failures == []
    assert app.quirks == {"injected-fault-status": 2}


async def test_the_request_of_a_faulted_exchange_is_still_validated(fake: FakeVoucherify) -> None:
    fake.inject_fault(503)
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        await http.get("/v1/customers", params={"order": "bogus"})
    [(_, problems)] = app.failures
    assert any(
        problem.startswith("query parameter order: 'bogus' is not one of") for problem in problems
    )
    assert not any(problem.startswith(UNDECLARED) for problem in problems)


async def test_a_dropped_connection_still_validates_the_request(fake: FakeVoucherify) -> None:
    fake.inject_fault("drop", count=2)
    app = ValidatingApp(fake.app, source=SELF_TESTS)
    async with client_on(app, fake) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/v1/customers", params={"limit": 5})
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/v1/customers", params={"limit": 0})
    assert app.operations == {"list-customers": 2}
    [(where, problems)] = app.failures
    assert where.endswith("limit=0 -> dropped")
    assert problems == ["query parameter limit: 0 is less than the minimum of 1"]


async def test_the_transport_validates_a_dropped_request_too(fake: FakeVoucherify) -> None:
    fake.inject_fault("drop")
    transport = ValidatingTransport(fake.transport, source=SELF_TESTS)
    async with httpx.AsyncClient(
        transport=transport, base_url=fake.base_url, headers=HEADERS
    ) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/v1/customers", params={"limit": 500})
    assert transport.operations == {"list-customers": 1}
    assert transport.failures[0][1] == [
        "query parameter limit: 500 is greater than the maximum of 100"
    ]


def test_a_declared_status_is_validated_even_when_injected() -> None:
    # 429 is declared on bulk/async: a fault's 429 there must match the declared body.
    request = httpx.Request(
        "POST",
        "http://voucherify.test/v1/customers/bulk/async",
        json=[{"source_id": "a"}],
        headers=HEADERS,
    )
    headers = {"content-type": "application/json", FAULT_HEADER: "429"}
    good = httpx.Response(429, headers=headers, json={"code": 429, "message": "Too many"})
    bad = httpx.Response(429, headers=headers, json={"code": "429"})
    assert validate_exchange(request, good).problems == []
    assert validate_exchange(request, good).quirks == []
    assert validate_exchange(request, bad).problems  # code not an integer, message missing


def test_an_undeclared_status_without_the_fault_marker_fails() -> None:
    request = httpx.Request("GET", "http://voucherify.test/v1/customers/x", headers=HEADERS)
    body = {"code": 503, "key": "service_unavailable", "message": "Service Unavailable"}
    plain = httpx.Response(503, json=body)
    marked = httpx.Response(503, json=body, headers={FAULT_HEADER: "503"})
    assert [p for p in validate_exchange(request, plain).problems if p.startswith(UNDECLARED)]
    assert validate_exchange(request, marked).problems == []


async def test_validate_every_fake_wraps_the_transports_of_fakes_built_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = Conformance(SELF_TESTS)
    record.validate_every_fake(monkeypatch)
    fake = FakeVoucherify()  # as docs snippets and the demo build theirs
    transport = fake.client_kwargs()["transport"]
    async with httpx.AsyncClient(transport=transport, base_url=fake.base_url) as http:
        await http.get("/v1/customers", headers=fake.server_headers(), params={"limit": 500})
    assert record.transports == [transport]
    assert record.failures  # the test's `conformance` fixture would fail on this
    monkeypatch.undo()
    assert isinstance(FakeVoucherify().transport, httpx.ASGITransport)


def test_the_loopback_server_holds_the_answer_until_it_is_validated(
    fake_http: FakeHTTPServer,
) -> None:
    fake_http.reset(customers=2)
    validator = fake_http.validator
    before = validator.operations["get-customer"]
    env = fake_http.env()
    headers = {"X-App-Id": env["VOUCHERIFY_APP_ID"], "X-App-Token": env["VOUCHERIFY_SECRET_KEY"]}
    with httpx.Client(base_url=fake_http.base_url, headers=headers) as http:
        assert http.get("/v1/customers/seed-00002").status_code == 200
        assert validator.operations["get-customer"] == before + 1
        assert validator.failures == []
        assert http.get("/v1/customers", params={"limit": "many"}).status_code == 400
    # The verdict is in as soon as the client has the answer (the body waits for it).
    [(_, problems)] = validator.failures
    assert any(problem.startswith("query parameter limit: ValueError") for problem in problems)
    validator.failures.clear()  # deliberately off the spec; `fake_http` fails on what is left

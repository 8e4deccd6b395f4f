"""Hostile arguments, generated: every public method refuses them by name before sending, or works.

For each public method of `client.customers` and `client.async_actions` (the iterators too),
Hypothesis gives each parameter a value that fits it, a value of the wrong type or range (None,
bools for ints, NaN and infinities, 2**70, empty and lone-surrogate strings, bytes, sets,
`Decimal`, naive datetimes, objects of no JSON form, ...), or leaves it out. Each call must
either succeed against a server answering every endpoint correctly, or raise `ValueError` /
`TypeError` whose message names one of the parameters given a hostile value, with nothing sent.
Any other exception, or a refusal after a request left, fails with the arguments shown.

The parameters come from the methods' signatures, so a parameter added tomorrow is fuzzed too
(a name without a fitting value below fails `test_every_parameter_has_a_fitting_value`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voucherify_async import AsyncClient, AsyncPager, BulkUpdateError, CustomerUpdate

BASE_URL = "https://api.voucherify.test"
GUARD = 5.0
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
OMIT: Final = object()


class Opaque:
    """An object of the caller's own, of no JSON or URL form."""

    def __repr__(self) -> str:
        return "Opaque()"


NAIVE = datetime(2024, 1, 1, 12, 0)
HOSTILE = st.sampled_from(
    [
        None,
        True,
        0,
        -1,
        101,
        2**70,
        1.5,
        math.nan,
        math.inf,
        -math.inf,
        "",
        "\ud800",
        "a/b?c#d",
        "not-a-date",
        b"bytes",
        [],
        {},
        {"x": math.nan},
        {"x": {"y": NAIVE}},
        {"x": Opaque()},
        [{"source_id": ""}],
        [None],
        {"a", "b"},
        Decimal("1.5"),
        NAIVE,
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # year 0 in UTC
        Opaque(),
    ]
)

AWARE = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
# A value that fits each parameter, by name (orders by method, below).
FITTING: dict[str, Any] = {
    "customer_id": "cust_1",
    "id": "cust_1",
    "source_id": "src_1",
    "name": "Ann",
    "email": "ann@example.com",
    "phone": "+1 555",
    "description": "d",
    "city": "Oslo",
    "segment_id": "seg_1",
    "campaign_id": "camp_1",
    "campaign_type": "LOYALTY_PROGRAM",
    "category": "c",
    "type": "customer.created",
    "product_id": "prod_1",
    "starting_after_id": "evcus_1",
    "address": {"city": "Oslo"},
    "birthdate": date(2000, 1, 2),
    "birthday": "2000-01-02",
    "metadata": {"tier": "gold", "since": AWARE},
    "limit": 10,
    "page": 2,
    "max_items": 5,
    "created_at_before": AWARE,
    "created_at_after": "2023-01-01T00:00:00Z",
    "updated_at_before": AWARE,
    "updated_at_after": AWARE,
    "starting_after": AWARE,
    "start_date": AWARE,
    "end_date": AWARE,
    "filters": {"holder_role": {"conditions": {"$in": ["OWNER"]}}},
    "file": b"source_id\ns1\n",
    "records": [{"source_id": "s1"}, CustomerUpdate(source_id="s2")],
    "source_ids": ["s1", "s2"],
    "consents": {"cons_1": True},
    "batch_size": 2,
    "max_concurrency": 2,
    "wait": False,
    "async_action_id": "aa_1",
    "ref_or_id": "aa_1",
    "timeout": 1.0,
    "poll_interval": 0.01,
}
ORDERS: dict[str, str] = {
    "list": "-created_at",
    "iter_all": "created_at",
    "list_activity": "created_at",
    "iter_activity": "-created_at",
    "list_activities": "-updated_at",
    "iter_activities": "code",
    "list_redeemables": "-id",
    "iter_redeemables": "id",
}


def methods() -> dict[str, Callable[..., Any]]:
    """Every public method, by `customers.<name>` / `async_actions.<name>`, unbound."""
    from voucherify_async.async_actions import AsyncActions
    from voucherify_async.customers import Customers

    found = {}
    for prefix, cls in (("customers", Customers), ("async_actions", AsyncActions)):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                found[f"{prefix}.{name}"] = member
    return found


METHODS = methods()


def parameters(method: str) -> list[inspect.Parameter]:
    return list(inspect.signature(METHODS[method]).parameters.values())[1:]  # without self


def fitting(method: str, name: str) -> Any:
    if name == "order":
        return ORDERS[method.split(".")[1]]
    return FITTING[name]


# -- a server that answers every endpoint as the spec says ------------------------------------

CUSTOMER = {"id": "cust_1", "object": "customer", "created_at": "2024-01-01T00:00:00.000Z"}


class Server:
    """Answers each endpoint correctly; records what was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if path.startswith("/v1/async-actions/"):
            return httpx.Response(200, json={"id": "aa_1", "status": "DONE", "type": "x"})
        if path.endswith(("/async", "/importCSV")):
            return httpx.Response(202, json={"async_action_id": "aa_1"})
        if path.endswith("/consents") or method == "DELETE":
            return httpx.Response(204)
        if path.endswith("/permanent-deletion"):
            body = {"id": "del_1", "status": "DONE", "object": "pernament_deletion"}
            return httpx.Response(200, json=body)
        if path.endswith(("/activity", "/redeemables")):
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        if path.endswith(("/activities", "/segments")):
            return httpx.Response(200, json={"object": "list", "data": [], "total": 0})
        if path == "/v1/customers" and method == "GET":
            body = {"object": "list", "customers": [], "total": 0, "has_more": False}
            return httpx.Response(200, json=body)
        return httpx.Response(200, json=CUSTOMER)


async def call(method: str, kwargs: dict[str, Any], server: Server) -> None:
    group, name = method.split(".")
    async with AsyncClient(
        "app-id",
        "sk_secret",
        client_app_id="client-app-id",
        client_secret_key="ck_secret",
        origin="https://shop.example.com",
        base_url=BASE_URL,
        max_retries=0,
        transport=httpx.MockTransport(server),
    ) as client:
        result = getattr(getattr(client, group), name)(**kwargs)
        if isinstance(result, AsyncPager):
            async for _ in result:
                pass
        else:
            await result


@st.composite
def arguments(draw: st.DrawFn, method: str) -> tuple[dict[str, Any], set[str]]:
    """Keyword arguments for `method`, and the names of those given a hostile value."""
    kwargs: dict[str, Any] = {}
    hostile: set[str] = set()
    for parameter in parameters(method):
        choices = ["fitting", "hostile"]
        if parameter.default is not inspect.Parameter.empty:
            choices.append("omit")
        choice = draw(st.sampled_from(choices), label=parameter.name)
        if choice == "fitting":
            kwargs[parameter.name] = fitting(method, parameter.name)
        elif choice == "hostile":
            kwargs[parameter.name] = draw(HOSTILE, label=parameter.name)
            hostile.add(parameter.name)
    return kwargs, hostile


def test_every_parameter_has_a_fitting_value() -> None:
    for method in METHODS:
        for parameter in parameters(method):
            assert fitting(method, parameter.name) is not None, (method, parameter.name)


def test_the_fitting_arguments_of_every_method_succeed() -> None:
    for method in METHODS:
        server = Server()
        kwargs = {p.name: fitting(method, p.name) for p in parameters(method)}
        anyio.run(call, method, kwargs, server)
        assert server.requests, method


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("method", sorted(METHODS))
@FUZZ
@given(data=st.data())
def test_hostile_arguments_are_refused_by_name_before_sending(
    backend: str, method: str, data: st.DataObject
) -> None:
    kwargs, hostile = data.draw(arguments(method), label="arguments")
    server = Server()

    async def run() -> None:
        with anyio.fail_after(GUARD):
            await call(method, kwargs, server)

    refused = refusal(run, backend)
    if refused is None:
        return  # the arguments were fine
    if isinstance(refused, OSError):  # import_csv(file=<a path>): the OS's word, with the path
        assert method == "customers.import_csv", repr(refused)
        assert refused.filename is not None, repr(refused)
        return
    if isinstance(refused, BulkUpdateError):  # bulk_update's documented wrapper of a bad record
        cause = refused.__cause__
        assert isinstance(cause, ValueError | TypeError), f"not a refusal: {refused!r}"
        message = str(cause)
    else:
        message = str(refused)
        assert server.requests == [], f"refused after sending: {message!r}"
    assert any(name in message for name in hostile), f"names no parameter: {message!r}"


def refusal(run: Callable[[], Awaitable[None]], backend: str) -> Exception | None:
    """What `run` refused the arguments with, or None; any other exception propagates."""
    try:
        anyio.run(run, backend=backend)
    except (ValueError, TypeError, BulkUpdateError, OSError) as refused:
        return refused
    return None
